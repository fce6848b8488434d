"""Every internal constant of the model that is not a lever, declared once.

A lever (:mod:`cocreate_sim.params`) is what a scenario sets; a constant is
how the model works. Each constant sits in :data:`CONSTANTS` with its value,
a plausible range, its source (a seed file, a figure of
``shared/EVIDENCE.md``, or the word "assumed"), one line on what it does and
its kind:

- ``fact``: a measured quantity (37 working hours a week);
- ``design``: a code, a horizon or a modelling choice with no behavioural
  content (how many weeks a statistic looks back);
- ``behavioural``: how people respond; these are what ``python3 run.py
  robustness`` varies by +-20% and what the calibration may fit.

A model reads them as ``model.k.practice_rate`` (a frozen :class:`Constants`,
one per model), and the mechanisms take that object as their first argument,
so that a run may change a constant (robustness, calibration) without any
module-level state. The table itself lives in :mod:`constants_table` so that
this file stays the short story of how constants work.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real
from typing import Any

from .constants_table import TABLE
from .errors import UserError, clip, did_you_mean, shorten

KINDS = ("fact", "design", "behavioural")
"""The kinds of constant, as the robustness table names them."""


@dataclass(frozen=True)
class Constant:
    """One internal constant: value, plausible range, kind, source and what it does."""

    name: str
    value: float
    low: float
    high: float
    kind: str
    source: str
    meaning: str
    where: str

    @property
    def integer(self) -> bool:
        return isinstance(self.value, int)


class ConstantError(UserError, ValueError):
    """A constant's name or value that the model does not accept."""


def _declare() -> dict[str, Constant]:
    out: dict[str, Constant] = {}
    for where, name, value, low, high, kind, source, meaning in TABLE:
        if name in out:
            raise RuntimeError(f"constant {name} declared twice")  # pragma: no cover - a coding error
        if kind not in KINDS or not low <= value <= high:
            raise RuntimeError(f"constant {name}: bad kind or value outside its range")  # pragma: no cover
        out[name] = Constant(name, value, low, high, kind, source, meaning, where)
    return out


CONSTANTS: dict[str, Constant] = _declare()
"""The one declaration of every internal constant, by name."""

BEHAVIOURAL: list[str] = [c.name for c in CONSTANTS.values() if c.kind == "behavioural"]
"""Names of the constants the robustness check varies."""


def _as_dict(self: Any) -> dict[str, float]:
    return {name: getattr(self, name) for name in CONSTANTS}


Constants = dataclasses.make_dataclass(
    "Constants",
    [(c.name, int if c.integer else float) for c in CONSTANTS.values()],
    namespace={
        "as_dict": _as_dict,
        "__doc__": "Every internal constant of one run: frozen (``k.practice_rate``).",
    },
    frozen=True,
    slots=True,
)
"""The constants a model reads, generated from :data:`CONSTANTS`."""
Constants.__module__ = __name__

DEFAULT_CONSTANTS = Constants(**{c.name: c.value for c in CONSTANTS.values()})
"""The declared values; what every model uses unless a run changes some."""


def check_constant(name: Any, value: Any) -> float:
    """``value`` as constant ``name`` takes it, or ConstantError.

    A changed constant may leave its plausible range (robustness goes +-20%
    around the value), but must stay a finite number of the same sign, and a
    whole-number constant stays whole.
    """
    if name not in CONSTANTS:
        raise ConstantError(
            f"unknown constant '{clip(str(name))}'.{did_you_mean(str(name), CONSTANTS)} "
            "The constants are listed in docs/validation.md and by 'python3 run.py constants'."
        )
    c = CONSTANTS[name]
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise ConstantError(f"constant '{name}' must be a finite number; got {shorten(value)}.")
    value = float(value)
    if value < 0 or (c.value > 0 and value == 0 and c.low > 0):
        raise ConstantError(f"constant '{name}' must stay above 0 (declared range {c.low} to {c.high}); got {value}.")
    if c.integer:
        if value != round(value):
            raise ConstantError(f"constant '{name}' must be a whole number; got {value}.")
        return int(round(value))
    return value


def make_constants(overrides: dict[str, Any] | None = None) -> Any:
    """The declared constants with ``overrides`` applied, each checked (ConstantError otherwise)."""
    if not overrides:
        return DEFAULT_CONSTANTS
    changed = {name: check_constant(name, value) for name, value in overrides.items()}
    return dataclasses.replace(DEFAULT_CONSTANTS, **changed)


def table_digest(fitted: Iterable[str] = ()) -> str:
    """A hash of the constants table: a posterior of constants is valid only for the table it was fitted to.

    For the ``fitted`` constants only their prior (module, name, range, kind) counts: the posterior replaces
    their declared value, so making a calibrated value the declared one (and saying so in its source) leaves
    the posterior valid, while any change to a constant that was held fixed during the fit does not.
    """
    import hashlib

    free = set(fitted)
    rows = [row[:2] + row[3:6] if row[1] in free else row for row in TABLE]
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
