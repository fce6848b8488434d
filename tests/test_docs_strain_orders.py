"""docs/strain_orders.py's variants: each does what it says, and leaves the model as it was."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cocreate_sim.agents.workers import Worker
from cocreate_sim.mechanisms import time_allocation
from cocreate_sim.model import CoCreationModel
from cocreate_sim.runner import release


def _script():
    spec = importlib.util.spec_from_file_location(
        "strain_orders", Path(__file__).parents[1] / "docs" / "strain_orders.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_valve_drops_ordered_hours_of_strained_workers_only():
    script = _script()
    model = CoCreationModel(rng=3, practice_mandate=1.0)
    try:
        worker = next(a for a in model.agents if isinstance(a, Worker))
        worker.energy = model.k.strain_level - 0.05
        script.decoupled_decide(worker, model.p)
        assert worker.share_mandated == 0.0
        assert time_allocation.mandated_share is script.MANDATED, "the model's function is put back"
        worker.energy = 1.0
        script.decoupled_decide(worker, model.p)
        assert worker.share_mandated == time_allocation.MANDATE_SHARE
    finally:
        release(model)


def test_gated_courses_teach_a_novice_only_the_floors_share_and_put_the_model_back():
    script = _script()
    model = CoCreationModel(rng=4, mindset_training=1.0)
    talks = []
    original_change = script.workers.learning.mindset_change

    def spy(k, m, p, talk, *rest):
        talks.append(talk)
        return original_change(k, m, p, talk, *rest)

    script.workers.learning.mindset_change = spy
    try:
        worker = next(a for a in model.agents if isinstance(a, Worker))
        worker.mindset, worker.had_dialogue = 0.5, False
        for practice in (0.0, 1.0):
            worker.practice = practice
            script.gated_learn(worker, model.p)
        assert script.dialogue.training_talk is script.TRAINING, "the model's function is put back"
    finally:
        script.workers.learning.mindset_change = original_change
        release(model)
    full = script.TRAINING(model.k, 1.0)
    assert talks == pytest.approx([full * model.k.practice_floor, full])
