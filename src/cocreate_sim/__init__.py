"""cocreate_sim: an agent-based model of Danish municipalities moving from NPM to NPG.

Frontline workers, leaders, politicians and citizens of unequal resources
co-create welfare, or fail to, under configurable incentive and measurement
regimes. See ``docs/ODD.md`` for the model description.
"""

from .metrics import COLUMNS
from .model import CoCreationModel
from .params import DEFAULT_STEPS, PARAMETERS, ParameterError
from .runner import run_model, run_timeseries

__version__ = "0.1.0"

__all__ = [
    "COLUMNS",
    "DEFAULT_STEPS",
    "PARAMETERS",
    "CoCreationModel",
    "ParameterError",
    "__version__",
    "run_model",
    "run_timeseries",
]
