"""Which levers the browser app shows, and how values from the browser are checked.

Every lever's range, unit, meaning and source come from
:data:`cocreate_sim.params.PARAMETERS`; this module only chooses which of them a
teacher may move while the model runs (structural settings such as the number
of citizens or departments are fixed when a run starts and come from presets).
Nothing the browser sends is trusted: every value passes through
``Parameter.check`` and :func:`cocreate_sim.params.resolve` on the server.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import shorten
from ..i18n import N_, first_sentence
from ..limits import MAX_SEED
from ..params import PARAMETERS, Parameter, ParameterError

MAIN_LEVERS: tuple[str, ...] = (
    "zero_error_culture",
    "decision_path_length",
    "leader_dialogue",
    "measure_cocreation_value",
    "outreach_weak_groups",
    "task_committees",
    "maintenance_pool",
)
"""The levers of the issue, shown first: the shift's main barriers and remedies (001, 003, 004, 000)."""

MORE_LEVERS: tuple[str, ...] = (
    "measure_inclusion",
    "discretion",
    "decision_delay_weeks",
    "capacity_set_aside",
    "top_management_focus",
    "political_anchoring",
    "mindset_training",
    "practice_mandate",
    "network_design",
    "budget_pressure",
    "cocreation_logic",
    "efficiency_logic",
    "authority_logic",
)
"""Further levers that the model reads every week, so they may be moved mid-run."""

LEVERS: tuple[str, ...] = MAIN_LEVERS + MORE_LEVERS
"""Every lever the app shows, main ones first."""

FLOAT_STEPS = 50
"""A float lever's slider has this many steps between its low and high."""
ROUND_STEPS = (1, 2, 5, 10)
"""A float lever's step is the smallest of these times a power of ten that is at least the range / FLOAT_STEPS."""
STEP_DIGITS = 10
"""Decimal places a slider step is rounded to, so no float noise (0.30000000000000004) reaches a slider."""
SLOW_MS, NORMAL_MS, FAST_MS, FASTEST_MS = 700, 300, 200, 50
"""Tick lengths of the speed settings, in milliseconds (normal: the 0.3 s a week a class can follow). The page
stops its clock while a tick is on its way (cocreate.js), so the next tick comes this long after the answer:
ticks never overtake each other, whose answers Dash would drop."""
FASTEST_WEEKS = 6
"""Weeks simulated per tick at the fastest speed: one frame of at most 6 weeks per tick, as many ticks a second as
the page keeps up with (about 12 on the development machine on a fast day; docs/app.md, "Speed")."""


@dataclass(frozen=True)
class Speed:
    """One setting of the speed slider: weeks simulated per tick and the tick length."""

    label: str
    weeks_per_tick: int
    interval_ms: int


SPEEDS: tuple[Speed, ...] = (
    Speed(N_("slow"), 1, SLOW_MS),
    Speed(N_("normal"), 1, NORMAL_MS),
    Speed(N_("fast"), 2, FAST_MS),
    Speed(N_("fastest"), FASTEST_WEEKS, FASTEST_MS),
)
"""The speed slider's settings, slowest first."""
DEFAULT_SPEED = 1
"""Index in SPEEDS of the speed a page starts with ("normal")."""


def slider_step(parameter: Parameter) -> float | int:
    """Slider step: 1 for whole-number levers, else a round fraction of the range."""
    if parameter.integer:
        return 1
    raw = (parameter.high - parameter.low) / FLOAT_STEPS
    exponent = math.floor(math.log10(raw))
    for mult in ROUND_STEPS:
        if mult * 10**exponent >= raw:
            return round(mult * 10**exponent, STEP_DIGITS)
    return raw  # pragma: no cover - the loop always returns


def plain(parameter: Parameter) -> str:
    """The one-sentence explanation shown under a slider (the first sentence of ``meaning``)."""
    return first_sentence(parameter.meaning)


def check_lever(name: Any, value: Any) -> tuple[str, float | int]:
    """Name and value of one lever as sent by the browser, checked; raises ParameterError."""
    if not isinstance(name, str) or name not in LEVERS:
        raise ParameterError(f"{shorten(name)} is not a lever the app lets you move; allowed are: {', '.join(LEVERS)}.")
    return name, PARAMETERS[name].check(value)


def check_levers(names: list[Any], values: list[Any]) -> tuple[dict[str, float | int], list[str]]:
    """Check many levers; return the valid ones and one message per invalid one."""
    good: dict[str, float | int] = {}
    errors: list[str] = []
    if len(names) != len(values):
        return good, ["the request names a different number of levers than it gives values for; nothing applied."]
    for name, value in zip(names, values, strict=True):
        try:
            key, checked = check_lever(name, value)
        except ParameterError as err:
            errors.append(str(err))
        else:
            good[key] = checked
    return good, errors


def check_seed(value: Any) -> int:
    """A seed from the browser: a whole number from 0 to MAX_SEED (2**32 - 1); raises ParameterError."""
    if isinstance(value, bool):
        value = None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or number != int(number) or not 0 <= number <= MAX_SEED:
        got = "an empty field" if value is None or value == "" else shorten(value)
        raise ParameterError(f"the seed must be a whole number between 0 and {MAX_SEED}; got {got}.")
    return int(number)


def check_speed(value: Any) -> Speed:
    """A speed index from the browser; raises ParameterError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value not in range(len(SPEEDS)):
        raise ParameterError(f"the speed must be one of 0..{len(SPEEDS) - 1}; got {shorten(value)}.")
    return SPEEDS[int(value)]
