"""Every lever of the model, declared once.

The command line, the scenario validator, the browser sliders and the
documentation all read :data:`PARAMETERS`; nothing else declares a default or
a range. Defaults describe a plausible mid-sized Danish municipality under New
Public Management (NPM). Seeds are the source documents in
``shared/seeds/`` (cited by their number prefix, e.g. ``003``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from .errors import UserError, clip, did_you_mean, shorten
from .limits import MAX_SHOWN_CHARS

SEED_FILES = {
    "000": "000_1eb98d991477f04b.txt (Nielsen 2016, Rudersdal thesis: mindset and work process, leader dialogue)",
    "001": "001_fcedaec95fb1d514.txt (Allentoft 2017: four competences, institutional conditions)",
    "002": "002_873ffc27ad6e6ebf.txt (slides: OPA/NPM/NPG, ladder of co-creation, metagovernance)",
    "003": "003_2ba0a2bc3f04f1f8.txt (Vordingborg 2019: front figures, barriers, measurement, operations)",
    "004": "004_72bd60a54f0c9cbc.txt (Torfing: Gentofte task committees, Svelvik)",
}


@dataclass(frozen=True)
class Parameter:
    """One lever: what it is, where it may go, and the evidence for it."""

    name: str
    default: float | int
    low: float | int
    high: float | int
    unit: str
    meaning: str
    source: str
    group: str
    integer: bool = False

    def check(self, value: Any) -> float | int:
        """Return ``value`` coerced to this parameter's type, or raise ParameterError.

        Messages quote at most a hundred characters of ``value``; infinite, NaN
        and huge numbers are refused cleanly, never with an OverflowError.
        """
        shown = shorten(value)
        kind = "whole number" if self.integer else "number"
        if isinstance(value, Integral) and not isinstance(value, (bool, int)):
            value = int(value)  # numpy's whole numbers, as outside tools pass them
        elif isinstance(value, Real) and not isinstance(value, (bool, int, float)):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                if isinstance(value, str):
                    value = float(value) if not self.integer else _parse_int(value)
                else:
                    raise TypeError
            except (TypeError, ValueError, OverflowError):
                raise ParameterError(
                    f"parameter '{self.name}' must be a {kind} between {self.low} and {self.high} ({self.unit}); "
                    f"got {shown}."
                ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(
                f"parameter '{self.name}' must be a finite {kind} between {self.low} and {self.high}; got {shown}."
            )
        if self.integer:
            if not isinstance(value, int):  # a finite float: compare without converting a huge int
                if value != int(value):
                    raise ParameterError(
                        f"parameter '{self.name}' must be a whole number ({self.unit}) between "
                        f"{self.low} and {self.high}; got {shown}."
                    )
                value = int(value)
        else:
            try:
                value = float(value)
            except OverflowError:
                raise ParameterError(
                    f"parameter '{self.name}' = {shown} is out of range: allowed is "
                    f"{self.low} to {self.high} ({self.unit}). {self.meaning}"
                ) from None
        if not (self.low <= value <= self.high):
            huge = isinstance(value, int) and abs(value) >= 10**MAX_SHOWN_CHARS
            raise ParameterError(
                f"parameter '{self.name}' = {shown if huge else shorten(value)} is out of range: allowed is "
                f"{self.low} to {self.high} ({self.unit}). {self.meaning}"
            )
        return value


class ParameterError(UserError, ValueError):
    """A parameter name or value that the model does not accept."""


def _parse_int(text: str) -> int:
    """A whole number written as text ("12" or "12.0"); ValueError/OverflowError otherwise."""
    try:
        return int(text)
    except ValueError:
        pass
    number = float(text)
    if number != int(number):
        raise ValueError(text)
    return int(number)


def _p(name, default, low, high, unit, group, source, meaning, integer=False) -> Parameter:
    return Parameter(name, default, low, high, unit, meaning, source, group, integer)


# fmt: off
_DECLARED = [
    # --- regime logics (layers, not switches: 003) ---
    _p("authority_logic", 0.6, 0.0, 1.0, "weight 0-1", "regime", "002, 003, 004",
       "Weight of the Old Public Administration logic (the municipality as authority): rule checks on every "
       "approval step and a steering style towards citizens."),
    _p("efficiency_logic", 0.9, 0.0, 1.0, "weight 0-1", "regime", "002, 003, 004",
       "Weight of the NPM logic (the municipality as service provider): how strongly operations, budget and "
       "complaint KPIs count in what leaders are held to."),
    _p("cocreation_logic", 0.2, 0.0, 1.0, "weight 0-1", "regime", "002, 003",
       "Weight of the NPG logic (the municipality as arena for co-creation), added as a further layer on top of "
       "the other two: how legitimate co-creation is as part of the core task."),
    # --- what is measured and rewarded (003: 'you get what you measure') ---
    _p("measure_cocreation_value", 0.0, 0.0, 1.0, "weight 0-1", "measurement", "003",
       "Weight of co-creation value in what leaders are measured on (the 'extra bottom line'); 0 means only the "
       "old KPIs count."),
    _p("measure_inclusion", 0.0, 0.0, 1.0, "weight 0-1", "measurement", "003, 000",
       "Weight of the inclusion of weak groups in what leaders are measured on: it pulls workers towards outreach "
       "and towards the needs of those who lack the power to take part."),
    # --- institutional conditions (001) ---
    _p("zero_error_culture", 0.7, 0.0, 1.0, "strength 0-1", "institutions", "001, 003",
       "How strongly errors and failed projects are sanctioned (nulfejlskultur): it makes trying co-creation "
       "risky, makes approval steps cautious and punishes failed initiatives."),
    _p("decision_path_length", 4, 1, 12, "approval steps", "institutions", "001",
       "Number of approval steps an initiative passes before it may start (beslutningsgange).", integer=True),
    _p("decision_delay_weeks", 3.0, 0.5, 26.0, "weeks per step", "institutions", "001",
       "Mean waiting time at each approval step."),
    _p("discretion", 0.3, 0.0, 1.0, "share 0-1", "institutions", "001, 003",
       "Free frames (frie rammer, raaderum): how far a frontline worker may decide alone; it lets small "
       "initiatives skip approval steps and opens room to try."),
    _p("capacity_set_aside", 0.0, 0.0, 0.3, "share of working hours", "institutions", "003",
       "Share of each worker's hours funded for co-creation, taken off the operations demand."),
    _p("budget_pressure", 0.5, 0.0, 1.0, "strength 0-1", "institutions", "003",
       "Cuts and digitalisation cross-pressure: more operations demand per worker, less leader appetite for new "
       "collaboration, more strain on energy."),
    _p("maintenance_pool", 0.0, 0.0, 1.0, "share 0-1", "institutions", "003",
       "Share of the maintenance of co-created facilities paid from a dedicated pool rather than from the "
       "operations department's own hours."),
    # --- leadership (000, 003) ---
    _p("leader_dialogue", 0.1, 0.0, 1.0, "intensity 0-1", "leadership", "000",
       "Continuous value-based dialogue between leader and employee about what the shift implies (1 = every worker"
       " has such a talk every four weeks)."),
    _p("top_management_focus", 0.2, 0.0, 1.0, "strength 0-1", "leadership", "003",
       "Backing and strategic focus from top management: leaders' support for co-creation and cross-department "
       "coordination."),
    _p("mindset_training", 0.0, 0.0, 1.0, "intensity 0-1", "leadership", "000, 003",
       "Courses and talks that teach the idea of co-creation without changing the work process."),
    _p("practice_mandate", 0.0, 0.0, 1.0, "intensity 0-1", "leadership", "000",
       "Co-creation tasks ordered from above regardless of the worker's understanding (1 = a fifth of every "
       "worker's hours)."),
    # --- politics (003, 004) ---
    _p("political_anchoring", 0.2, 0.0, 1.0, "strength 0-1", "politics", "003",
       "How far the council understands and backs co-creation; without it processes are short-circuited late and "
       "leaders lack backing."),
    _p("power_sharing", 0.2, 0.0, 1.0, "readiness 0-1", "politics", "003, 004",
       "Politicians' initial readiness to share decision power with citizens."),
    _p("task_committees", 0, 0, 12, "committees at once", "politics", "004",
       "Gentofte-model task committees (opgaveudvalg) running at once; any above zero also cuts standing-committee"
       " casework.", integer=True),
    _p("task_committee_citizens", 10, 2, 30, "citizens per committee", "politics", "004",
       "Citizens on each task committee, recruited by broad advertisement and competence profiles.", integer=True),
    _p("task_committee_politicians", 5, 1, 15, "politicians per committee", "politics", "004",
       "Politicians on each task committee.", integer=True),
    _p("n_politicians", 25, 5, 61, "politicians", "politics", "004",
       "Members of the municipal council.", integer=True),
    # --- inclusion and network design (000, 002, 003) ---
    _p("outreach_weak_groups", 0.0, 0.0, 1.0, "intensity 0-1", "inclusion", "000, 001, 003",
       "Deliberate outreach to weak groups: staff contact them directly and adapt their support so that they can "
       "take part."),
    _p("network_design", 0.2, 0.0, 1.0, "share 0-1", "inclusion", "002, 003, 004",
       "Metagovernance by network design: recruiting by broad advertisement and competence profiles instead of "
       "through the usual, unrepresentative networks (local councils)."),
    _p("citizen_initiative_rate", 0.15, 0.0, 2.0, "proposals per 1,000 inhabitants per year", "inclusion", "001, 003",
       "How often inhabitants themselves propose an initiative, when their trust is at its baseline (0.5); the "
       "rate scales with mean trust."),
    _p("volunteer_attrition", 0.01, 0.0, 0.2, "share per week", "inclusion", "003",
       "Weekly chance that a volunteer leaves for reasons of their own (volunteers are not continuously reliable)."),
    # --- organisation (003) ---
    _p("n_departments", 6, 2, 20, "departments", "organisation", "003",
       "Departments, one of which is operations (parks, roads, harbours).", integer=True),
    _p("workers_per_department", 12, 3, 60, "workers", "organisation", "003",
       "Frontline workers in each department.", integer=True),
    _p("silo_strength", 0.6, 0.0, 1.0, "strength 0-1", "organisation", "002, 003",
       "Closed silos: few colleague ties across departments and an operations department that is a 'closed door' "
       "for co-created facilities."),
    _p("champion_share", 0.08, 0.0, 1.0, "share 0-1", "organisation", "003",
       "Share of workers who are front figures (frontfigurer, ildsjaele): driven, well connected, with political "
       "nose."),
    _p("staff_turnover", 0.1, 0.0, 0.5, "share per year", "organisation", "003",
       "Share of workers who leave each year (workers under strain leave more often: the constant strain_leaving)."),
    # --- citizens (000, 001) ---
    _p("population", 40000, 500, 2000000, "inhabitants", "citizens", "001, 004",
       "Adult inhabitants of the municipality (Svelvik small, Gentofte large): how many can propose, be contacted "
       "and take part.", integer=True),
    _p("n_citizens", 2000, 50, 200000, "citizen agents", "citizens", "design",
       "Citizen agents that represent the inhabitants (a resolution, not a population): each stands for population"
       " / n_citizens inhabitants of the same profile. At the defaults, 500 to 20,000 agents give equivalent "
       "uptake, inclusion, trust and legitimacy (docs/validation.md).", integer=True),
    _p("weak_share", 0.25, 0.0, 0.9, "share 0-1", "citizens", "000, 001",
       "Share of citizens with few resources (time, skills, networks, confidence)."),
    _p("strong_share", 0.25, 0.0, 0.9, "share 0-1", "citizens", "001, 003",
       "Share of resource-strong, self-driving citizens."),
]
# fmt: on

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _DECLARED}
"""The one declaration of every model parameter, by name."""

DEFAULTS: dict[str, float | int] = {p.name: p.default for p in _DECLARED}

WEEKS_PER_YEAR = 52
"""One step is one week; yearly rates (turnover, citizens' proposals) are spread over 52 of them."""

DEFAULT_STEPS = 5 * WEEKS_PER_YEAR
"""Default horizon: 260 weeks (five years); one step is one week."""


def unknown_message(name: str) -> str:
    """The one message for a name that is not a lever: the closest lever, and where to find them all."""
    return (
        f"unknown parameter '{clip(str(name))}'.{did_you_mean(str(name), PARAMETERS)} "
        "Valid parameters are listed by 'python3 run.py params'."
    )


def resolve(params: dict[str, Any] | None = None, **overrides: Any) -> dict[str, float | int]:
    """Defaults updated with ``params``: every name known, every value in range.

    Raises ParameterError naming the parameter (and, for a typo, the closest
    valid name); nothing is ever silently ignored.
    """
    given = dict(params or {})
    given.update(overrides)
    out = dict(DEFAULTS)
    for name, value in given.items():
        if name not in PARAMETERS:
            raise ParameterError(unknown_message(name))
        out[name] = PARAMETERS[name].check(value)
    if out["n_citizens"] > out["population"]:
        raise ParameterError(
            f"n_citizens ({out['n_citizens']}) must not exceed population ({out['population']}): each citizen "
            "agent stands for one inhabitant or more."
        )
    if out["weak_share"] + out["strong_share"] > 1.0 + 1e-9:
        raise ParameterError(
            f"weak_share ({out['weak_share']}) + strong_share ({out['strong_share']}) must not "
            "exceed 1; the middle group takes the rest."
        )
    return out


def _as_dict(self: Any) -> dict[str, float | int]:
    """Every lever by name, as :func:`resolve` returns them (for scenario and sweep callers)."""
    return {name: getattr(self, name) for name in PARAMETERS}


Params = dataclasses.make_dataclass(
    "Params",
    [(p.name, int if p.integer else float) for p in _DECLARED],
    namespace={
        "as_dict": _as_dict,
        "__doc__": "Every lever of one run: typed, validated, frozen (``p.zero_error_culture``).",
    },
    frozen=True,
    slots=True,
)
"""The levers a model reads, generated from :data:`PARAMETERS` so that nothing is declared twice."""
Params.__module__ = __name__


INIT_ONLY = frozenset(
    {
        "population",
        "n_citizens",
        "weak_share",
        "strong_share",
        "n_departments",
        "workers_per_department",
        "n_politicians",
    }
)
"""Levers that act only when the model is built (who exists): a schedule may not change them.

``champion_share`` (who a newcomer is), ``silo_strength`` (operations' door and lending; colleague ties are
wired once) and ``power_sharing`` (the baseline politicians relax to) also act every week, so they may be
scheduled."""


def check_schedule(schedule: Any, max_week: int) -> tuple[tuple[int, dict[str, float | int]], ...]:
    """A lever schedule as ``((week, {lever: value}), ...)``, sorted by week, each value checked.

    Accepts ``[(week, {...}), ...]`` or ``[{"week": w, "params": {...}}, ...]``.
    A change at week ``w`` holds from week ``w`` on (row ``w`` of the table is
    the first week under it). Raises ParameterError naming the entry and lever.
    """
    if schedule is None:
        return ()
    if isinstance(schedule, (str, bytes)) or not hasattr(schedule, "__iter__"):
        raise ParameterError(f"schedule must be a list of (week, {{lever: value}}) entries; got {shorten(schedule)}.")
    out: list[tuple[int, dict[str, float | int]]] = []
    for number, entry in enumerate(schedule, start=1):
        if isinstance(entry, dict):
            extra = set(entry) - {"week", "params"}
            if extra or "week" not in entry or "params" not in entry:
                raise ParameterError(
                    f"schedule entry {number} must have exactly the keys 'week' and 'params'; got {shorten(entry)}."
                )
            week, changes = entry["week"], entry["params"]
        elif isinstance(entry, (tuple, list)) and len(entry) == 2:
            week, changes = entry
        else:
            raise ParameterError(f"schedule entry {number} must be (week, {{lever: value}}); got {shorten(entry)}.")
        if isinstance(week, bool) or not isinstance(week, Integral) or not 1 <= week <= max_week:
            raise ParameterError(
                f"schedule entry {number}: week must be a whole number from 1 to {max_week}; got {shorten(week)}."
            )
        if not isinstance(changes, dict) or not changes:
            raise ParameterError(
                f"schedule entry {number} (week {week}): params must be a non-empty mapping of lever: value; "
                f"got {shorten(changes)}."
            )
        checked: dict[str, float | int] = {}
        for name, value in changes.items():
            if name not in PARAMETERS:
                raise ParameterError(f"schedule entry {number} (week {week}): {unknown_message(name)}")
            if name in INIT_ONLY:
                raise ParameterError(
                    f"schedule entry {number} (week {week}): '{name}' acts only when the model is built "
                    f"(who exists), so a schedule cannot change it; set it under params. "
                    f"Levers a schedule cannot change: {', '.join(sorted(INIT_ONLY))}."
                )
            try:
                checked[name] = PARAMETERS[name].check(value)
            except ParameterError as err:
                raise ParameterError(f"schedule entry {number} (week {week}): {err}") from None
        out.append((int(week), checked))
    out.sort(key=lambda item: item[0])
    return tuple(out)


def make_params(mapping: dict[str, Any] | None = None, **overrides: Any) -> Params:
    """A validated :class:`Params`: defaults, then ``mapping``, then ``overrides`` (see :func:`resolve`)."""
    return Params(**resolve(mapping, **overrides))
