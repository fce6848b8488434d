"""cocreate_sim: an agent-based model of Danish municipalities moving from NPM to NPG.

Frontline workers, leaders, politicians and citizens of unequal resources
co-create welfare, or fail to, under configurable incentive and measurement
regimes. See ``docs/ODD.md`` for the model description.

The public names load on first use (PEP 562), so that ``python3 run.py --help``
and the light parts of the command line do not pay for Mesa and pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

_PUBLIC = {
    "COLUMNS": "metrics",
    "DEFAULT_STEPS": "params",
    "PARAMETERS": "params",
    "Params": "params",
    "ParameterError": "params",
    "CoCreationModel": "model",
    "run_model": "runner",
    "run_timeseries": "runner",
}

__all__ = [
    "COLUMNS",
    "DEFAULT_STEPS",
    "PARAMETERS",
    "CoCreationModel",
    "ParameterError",
    "Params",
    "__version__",
    "run_model",
    "run_timeseries",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .metrics import COLUMNS
    from .model import CoCreationModel
    from .params import DEFAULT_STEPS, PARAMETERS, ParameterError, Params
    from .runner import run_model, run_timeseries


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cocreate_sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
