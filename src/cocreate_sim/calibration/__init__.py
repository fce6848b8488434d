"""Calibration against published figures: targets, screening, ABC-SMC and its report (docs/calibration.md).

Light on import (the command line reads the defaults below for its help);
the heavy parts (pandas, pyabc, SALib) load when a command runs.
"""

DEFAULT_POPULATION = 300
"""Particles per ABC-SMC generation."""
DEFAULT_BUDGET = 20_000
"""Simulations after which a calibration stops if epsilon has not reached 1."""
PREDICTIVE_DRAWS = 40
"""Posterior draws run again (each on a fresh seed) for the report's posterior predictive."""
