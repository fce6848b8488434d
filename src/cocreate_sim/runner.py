"""The run function outside tools call: ``run_model(steps, rng, **params) -> outcomes``.

Shaped as EMA Workbench and SALib expect a model to be (a plain function of
keyword parameters returning a dict of named outcomes), so that they, Dask
and our own sweeps call it without adapters.
"""

from __future__ import annotations

from typing import Any

from .model import CoCreationModel
from .params import DEFAULT_STEPS


def run_model(steps: int = DEFAULT_STEPS, rng: Any = None, **params: Any) -> dict[str, float]:
    """Run one replication for ``steps`` weeks; return every column at the final week.

    The same ``rng`` (an int seed) gives identical numbers.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        from .params import ParameterError

        raise ParameterError(f"steps must be a whole number of weeks >= 0; got {steps!r}.")
    model = CoCreationModel(rng=rng, **params)
    for _ in range(steps):
        model.step()
    return model.outcomes()


def run_timeseries(steps: int = DEFAULT_STEPS, rng: Any = None, **params: Any):
    """Run one replication and return the model table (one row per week, week 0 first)."""
    model = CoCreationModel(rng=rng, **params)
    for _ in range(steps):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    frame.index.name = "week"
    return frame
