"""Calibration targets: the published figures, as data, and the distance to them.

A targets file (``calibration/targets.yaml``; a planner may write one for
their own municipality) declares which behavioural constants are fitted and,
for each target, the statistic (:mod:`.summaries`), the scenario, burn-in and
window it is measured on, the observed value or range, the tolerance and
what it combines, whether it is ``fit`` (used to calibrate) or ``check``
(never used to calibrate), and its source.

The error model: a target's distance is how far the statistic lies outside
the observed range, in units of the target's tolerance; the tolerance is the
root sum of squares of its parts (the survey's own uncertainty, the model's
discrepancy, and the spread between municipalities). A run's distance is the
largest over the fit targets, so an epsilon of 1 means every fit target
within its tolerance.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..constants import CONSTANTS
from ..errors import UserError, did_you_mean, display, shorten
from ..limits import MAX_HORIZON
from ..params import PARAMETERS, ParameterError, resolve
from ..scenario import load_scenario
from ..yamlio import FOLDER_NAME, FOLDER_NAME_RULE, KeyLines, load_mapping, name_from_file, where
from .summaries import STATISTICS

USES = ("fit", "check")
TOLERANCE_PARTS = ("survey", "discrepancy", "municipalities")
"""What a tolerance combines (root sum of squares): see docs/calibration.md, error model."""
MAX_FITTED = 8
"""At most this many constants are calibrated (the rest stay at their values; their ranges go to uncertainty)."""
MISSING_DISTANCE = 1e3
"""Distance of a statistic the run could not compute (nothing to measure: no failure to compare with, say)."""
TARGET_KEYS = ("statistic", "scenario", "burn_in", "window", "observed", "tolerance", "use", "source", "versus")
TOP_KEYS = ("name", "description", "constants", "targets")
KIND = "targets file"


@dataclass(frozen=True)
class Target:
    """One published figure mapped onto one model statistic."""

    name: str
    statistic: str
    scenario: str
    burn_in: int
    window: int
    low: float
    high: float
    tolerance: dict[str, float]
    use: str
    source: str
    params: dict[str, Any] = field(repr=False, default_factory=dict)
    versus: dict[str, Any] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        """The tolerance: root sum of squares of its parts."""
        return math.sqrt(sum(v * v for v in self.tolerance.values()))

    @property
    def horizon(self) -> int:
        return self.burn_in + self.window

    def distance(self, value: float) -> float:
        """How far ``value`` lies outside the observed range, in tolerances (0 inside)."""
        if value is None or not math.isfinite(value):
            return MISSING_DISTANCE
        gap = self.low - value if value < self.low else value - self.high if value > self.high else 0.0
        return gap / self.scale

    def observed_text(self) -> str:
        return f"{self.low:g}" if self.low == self.high else f"{self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class TargetSet:
    """A targets file, resolved: what is fitted, and every target."""

    name: str
    description: str
    path: Path
    constants: tuple[str, ...]
    targets: tuple[Target, ...]

    def of(self, use: str | None = None) -> list[Target]:
        return [t for t in self.targets if use is None or t.use == use]

    def distance(self, stats: Mapping[str, float], use: str = "fit") -> float:
        """The largest distance over the targets of ``use``: 1 or less means every one within tolerance."""
        return max((t.distance(stats.get(t.name, math.nan)) for t in self.of(use)), default=0.0)

    def record(self) -> dict[str, Any]:
        """The resolved targets as plain data (written next to a posterior)."""
        return {
            "name": self.name,
            "description": self.description,
            "constants": {n: [CONSTANTS[n].low, CONSTANTS[n].high] for n in self.constants},
            "targets": [{k: v for k, v in asdict(t).items()} for t in self.targets],
        }

    def digest(self) -> str:
        """A hash of what the targets ask (not of where the files lie: a run resumes from any folder)."""
        record = self.record()
        for target in record["targets"]:
            target.pop("scenario")
        return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _err(path: Path, lines: KeyLines, key: tuple[str, ...], message: str) -> UserError:
    line = None
    for n in range(len(key), 0, -1):
        line = lines.get(key[:n])
        if line:
            break
    dotted = ".".join(key)
    return UserError(f"{where(path, line)}: {dotted}: {message}")


def _number(path: Path, lines: KeyLines, key: tuple[str, ...], value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
        raise _err(path, lines, key, f"must be a finite number; got {shorten(value)}.")
    return float(value)


def _whole(path: Path, lines: KeyLines, key: tuple[str, ...], value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _err(path, lines, key, f"must be a whole number of weeks from {low} to {high}; got {shorten(value)}.")
    return int(value)


def load_targets(path: str | Path) -> TargetSet:
    """Read and check a targets file; every mistake is a one-paragraph UserError naming file, line and key."""
    path = Path(path)
    data, lines = load_mapping(path, KIND)
    for key in data:
        if key not in TOP_KEYS:
            raise _err(
                path,
                lines,
                (str(key),),
                f"unknown key.{did_you_mean(str(key), TOP_KEYS)} A {KIND} has the keys {', '.join(TOP_KEYS)}.",
            )
    name = data.get("name")
    if name is None:
        name = name_from_file(path)
    elif not isinstance(name, str) or not FOLDER_NAME.fullmatch(name):
        raise _err(path, lines, ("name",), f"{FOLDER_NAME_RULE}; got {shorten(name)}.")
    constants = _read_constants(path, lines, data.get("constants"))
    raw = data.get("targets")
    if not isinstance(raw, dict) or not raw:
        raise _err(
            path, lines, ("targets",), "must be a mapping of target names to targets (see calibration/targets.yaml)."
        )
    targets = tuple(_read_target(path, lines, str(name), spec) for name, spec in raw.items())
    if not any(t.use == "fit" for t in targets):
        raise _err(path, lines, ("targets",), "no target has 'use: fit': there would be nothing to calibrate to.")
    return TargetSet(
        name=name,
        description=" ".join(str(data.get("description") or "").split()),
        path=path,
        constants=constants,
        targets=targets,
    )


def _read_constants(path: Path, lines: KeyLines, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise _err(
            path,
            lines,
            ("constants",),
            "must be a list of the behavioural constants to fit ('python3 run.py constants' lists them).",
        )
    if len(raw) > MAX_FITTED:
        raise _err(
            path,
            lines,
            ("constants",),
            f"{len(raw)} constants; at most {MAX_FITTED} are fitted (screen first: docs/calibration.md).",
        )
    names: list[str] = []
    for i, name in enumerate(raw):
        key = ("constants", str(i))
        c = CONSTANTS.get(str(name))
        if c is None:
            raise _err(path, lines, key, f"unknown constant {shorten(name)}.{did_you_mean(str(name), CONSTANTS)}")
        if c.kind != "behavioural" or c.integer or c.low == c.high:
            raise _err(
                path,
                lines,
                key,
                f"'{name}' is a {c.kind} constant{' (whole number)' if c.integer else ''}; "
                "only behavioural constants with a range of real values are fitted.",
            )
        if name in names:
            raise _err(path, lines, key, f"'{name}' is listed twice.")
        names.append(str(name))
    return tuple(names)


def _read_target(path: Path, lines: KeyLines, name: str, spec: Any) -> Target:
    at = ("targets", name)
    if not isinstance(spec, dict):
        raise _err(path, lines, at, "must be a mapping with the keys " + ", ".join(TARGET_KEYS) + ".")
    for key in spec:
        if key not in TARGET_KEYS:
            raise _err(
                path,
                lines,
                (*at, str(key)),
                f"unknown key.{did_you_mean(str(key), TARGET_KEYS)} A target has {', '.join(TARGET_KEYS)}.",
            )
    for key in ("statistic", "scenario", "burn_in", "window", "observed", "tolerance", "use", "source"):
        if key not in spec:
            raise _err(path, lines, at, f"'{key}' is missing.")
    stat = STATISTICS.get(str(spec["statistic"]))
    if stat is None:
        raise _err(
            path,
            lines,
            (*at, "statistic"),
            f"unknown statistic {shorten(spec['statistic'])}."
            f"{did_you_mean(str(spec['statistic']), STATISTICS)} Known: {', '.join(STATISTICS)}.",
        )
    use = spec["use"]
    if use not in USES:
        raise _err(path, lines, (*at, "use"), f"must be 'fit' or 'check'; got {shorten(use)}.")
    burn_in = _whole(path, lines, (*at, "burn_in"), spec["burn_in"], 0, MAX_HORIZON - 1)
    window = _whole(path, lines, (*at, "window"), spec["window"], 1, MAX_HORIZON - burn_in)
    low, high = _read_observed(path, lines, (*at, "observed"), spec["observed"])
    tolerance = _read_tolerance(path, lines, (*at, "tolerance"), spec["tolerance"])
    scenario_path = (path.parent / str(spec["scenario"])).resolve()
    try:
        scenario = load_scenario(scenario_path)
    except UserError as exc:
        raise _err(path, lines, (*at, "scenario"), f"the scenario cannot be used: {exc}") from None
    versus = _read_versus(path, lines, (*at, "versus"), spec.get("versus"), stat.needs_versus, scenario.params)
    if scenario.schedule:
        raise _err(path, lines, (*at, "scenario"), "a calibration scenario may not have a lever schedule.")
    return Target(
        name=name,
        statistic=stat.name,
        scenario=display(scenario_path),
        burn_in=burn_in,
        window=window,
        low=low,
        high=high,
        tolerance=tolerance,
        use=str(use),
        source=" ".join(str(spec["source"]).split()),
        params=dict(scenario.params),
        versus=versus,
    )


def _read_observed(path: Path, lines: KeyLines, key: tuple[str, ...], raw: Any) -> tuple[float, float]:
    if isinstance(raw, list):
        if len(raw) != 2:
            raise _err(path, lines, key, "a range is a list of two numbers, [low, high].")
        low, high = (_number(path, lines, key, v) for v in raw)
        if low > high:
            raise _err(path, lines, key, f"the range's low end {low:g} is above its high end {high:g}.")
        return low, high
    value = _number(path, lines, key, raw)
    return value, value


def _read_tolerance(path: Path, lines: KeyLines, key: tuple[str, ...], raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise _err(
            path,
            lines,
            key,
            f"must say what it combines: a mapping with {', '.join(TOLERANCE_PARTS)} "
            "(each a non-negative number in the statistic's unit).",
        )
    parts = {}
    for part_name, value in raw.items():
        if part_name not in TOLERANCE_PARTS:
            raise _err(
                path,
                lines,
                (*key, str(part_name)),
                f"unknown part.{did_you_mean(str(part_name), TOLERANCE_PARTS)} "
                f"A tolerance combines {', '.join(TOLERANCE_PARTS)}.",
            )
        v = _number(path, lines, (*key, str(part_name)), value)
        if v < 0:
            raise _err(path, lines, (*key, str(part_name)), f"must not be negative; got {v:g}.")
        parts[str(part_name)] = v
    if sum(v * v for v in parts.values()) <= 0:
        raise _err(path, lines, key, "at least one part must be above 0.")
    return parts


def _read_versus(
    path: Path, lines: KeyLines, key: tuple[str, ...], raw: Any, needed: bool, params: dict[str, Any]
) -> dict[str, Any]:
    if raw is None:
        if needed:
            raise _err(
                path,
                lines,
                key[:-1],
                "this statistic compares the run with a twin: give 'versus:' with the levers the twin changes.",
            )
        return {}
    if not needed:
        raise _err(path, lines, key, "this statistic needs no twin run; remove 'versus'.")
    if not isinstance(raw, dict) or not raw:
        raise _err(path, lines, key, "must be a mapping of lever names to values.")
    for lever in raw:
        if lever not in PARAMETERS:
            raise _err(path, lines, (*key, str(lever)), f"unknown lever.{did_you_mean(str(lever), PARAMETERS)}")
    try:
        resolve({**params, **raw})
    except ParameterError as exc:
        raise _err(path, lines, key, str(exc)) from None
    return dict(raw)
