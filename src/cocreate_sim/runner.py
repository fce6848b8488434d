"""The run function outside tools call: ``run_model(steps, rng, **params) -> outcomes``.

Shaped as EMA Workbench and SALib expect a model to be (a plain function of
keyword parameters returning a dict of named outcomes), so that they, Dask
and our own sweeps call it without adapters.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

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


def _run(steps: Any, rng: Any, params: dict[str, Any]) -> CoCreationModel:
    weeks = check_steps(steps)
    model = CoCreationModel(rng=rng, **params)
    for _ in range(weeks):
        model.step()
    return model


def run_model(steps: int = DEFAULT_STEPS, rng: Any = None, **params: Any) -> dict[str, float]:
    """Run one replication for ``steps`` weeks; return every column at the final week.

    The same ``rng`` (an int seed) gives identical numbers.
    """
    return _run(steps, rng, params).outcomes()


def run_timeseries(steps: int = DEFAULT_STEPS, rng: Any = None, **params: Any) -> pd.DataFrame:
    """Run one replication and return the model table (one row per week, week 0 first)."""
    frame = _run(steps, rng, params).datacollector.get_model_vars_dataframe()
    frame.index.name = "week"
    return frame
