"""The run function outside tools call: ``run_model(steps, rng, **params) -> outcomes``.

Shaped as EMA Workbench and SALib expect a model to be (a plain function of
keyword parameters returning a dict of named outcomes), so that they, Dask
and our own sweeps call it without adapters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral
from typing import Any

import mesa
import pandas as pd

from .errors import shorten
from .limits import MAX_HORIZON
from .model import CoCreationModel
from .params import DEFAULT_STEPS, ParameterError


def check_steps(steps: Any) -> int:
    """``steps`` if it is a whole number of weeks from 1 to MAX_HORIZON; else ParameterError.

    Checked before the model is built, so a huge horizon fails at once instead
    of running for ever.
    """
    if isinstance(steps, bool) or not isinstance(steps, Integral) or not 1 <= steps <= MAX_HORIZON:
        raise ParameterError(f"steps must be a whole number of weeks from 1 to {MAX_HORIZON}; got {shorten(steps)}.")
    return int(steps)


def release(model: mesa.Model | None) -> None:
    """Let a model that will not step again be garbage-collected; call it when a run ends.

    Mesa before 3.4 keeps every model ever built alive in the class-level
    ``mesa.Agent._ids`` (Mesa issue #3179): a process that runs models grows by
    about a megabyte per run. This drops the model from it; on later Mesa
    versions (no ``_ids``) it does nothing. Safe to call twice or with None.
    Do not step or add agents to the model afterwards: their ids would start
    again from 1.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if model is not None and ids is not None:
        ids.pop(model, None)


@contextmanager
def _run(
    steps: Any, rng: Any, params: dict[str, Any], constants: dict[str, Any] | None, schedule: Any
) -> Iterator[CoCreationModel]:
    """The model after ``steps`` weeks, released when the ``with`` block ends (also after an error)."""
    weeks = check_steps(steps)
    model = CoCreationModel(
        rng=rng, constants=constants, schedule=schedule, **params
    )  # checks rng and every parameter before building anything
    try:
        for _ in range(weeks):
            model.step()
        yield model
    finally:
        release(model)


def run_model(
    steps: int = DEFAULT_STEPS,
    rng: Any = None,
    constants: dict[str, Any] | None = None,
    schedule: Any = None,
    **params: Any,
) -> dict[str, float]:
    """Run one replication for ``steps`` weeks; return every column at the final week.

    The same ``rng`` (an int seed) gives identical numbers. ``steps``, ``rng``,
    every parameter, ``constants`` (changed internal constants, by name, see
    :mod:`cocreate_sim.constants`) and ``schedule`` (``[(week, {lever: value}),
    ...]``, see :func:`cocreate_sim.params.check_schedule`) are checked before
    the model is built; the model is released when the run ends.
    """
    with _run(steps, rng, params, constants, schedule) as model:
        return model.outcomes()


def run_timeseries(
    steps: int = DEFAULT_STEPS,
    rng: Any = None,
    constants: dict[str, Any] | None = None,
    schedule: Any = None,
    **params: Any,
) -> pd.DataFrame:
    """Run one replication and return the model table (one row per week, week 0 first); see :func:`run_model`."""
    with _run(steps, rng, params, constants, schedule) as model:
        frame = model.datacollector.get_model_vars_dataframe()
    frame.index.name = "week"
    return frame
