"""A short smoke test that CI also runs under the other Mesa version (3.5 on Python 3.12)."""

from __future__ import annotations

import mesa

from cocreate_sim import CoCreationModel, run_model


def test_a_year_of_weeks_runs_and_collects():
    model = CoCreationModel(rng=1, n_citizens=500)
    for _ in range(52):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 53
    assert frame["initiatives_started"].iloc[-1] > 0


def test_run_model_is_reproducible_under_this_mesa():
    assert run_model(steps=52, rng=3, n_citizens=300) == run_model(steps=52, rng=3, n_citizens=300)


def test_batch_run_with_this_mesas_seeding():
    params = {"n_citizens": 200, "zero_error_culture": [0.1, 0.9]}
    if tuple(int(x) for x in mesa.__version__.split(".")[:2]) >= (3, 4):
        runs = mesa.batch_run(CoCreationModel, params, rng=[7], max_steps=52, display_progress=False)
    else:
        runs = mesa.batch_run(CoCreationModel, {**params, "rng": [7]}, max_steps=52, display_progress=False)
    assert len(runs) == 2 and all("uptake" in r for r in runs)
