"""Sweep files and their designs: reading and checking a sweep file, grid/lhs/sobol/morris points, the manifest.

The *sample* seam of a sweep (as in SALib): :func:`load_sweep` reads and
validates a sweep file (refusing, before anything is built, a design of more
than ``limits.MAX_SWEEP_RUNS`` runs), :class:`Design` makes the design points
a chunk needs when the chunk is made, and :func:`build_manifest` records
everything needed to run, resume and analyse the sweep: the design's
definition, never a list of its points.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError, did_you_mean, display, shorten
from ..limits import MAX_HORIZON, MAX_SEED, MAX_SWEEP_RUNS
from ..metrics import COLUMN_NAMES
from ..params import DEFAULT_STEPS, DEFAULTS, PARAMETERS, ParameterError, resolve, unknown_message
from ..posterior import CODE_HASH_DIGITS, model_code_hash
from ..yamlio import FOLDER_NAME, FOLDER_NAME_RULE, KeyLines, load_mapping, name_from_file
from .store import DESIGN_DIGEST, FORMAT, fingerprint, seal
from .store import count_points as store_count_points

DESIGNS = ("grid", "lhs", "sobol", "morris")
SAMPLED = ("lhs", "sobol", "morris")
KEYS = (
    "name",
    "description",
    "base",
    "params",
    "design",
    "vary",
    "samples",
    "replications",
    "horizon",
    "seed",
    "outcomes",
    "levels",
)
DEFAULT_LEVELS = 4
"""Morris grid levels when a sweep file gives none."""
INTEGER_BOUND_WIDENING = 0.5
"""Whole-number levers' SALib bounds reach this far past each end, so rounding hits every value equally often."""
CHECKED_UP_FRONT = 100_000
"""Design points checked for joint constraints before a sweep starts (about a second); the rest as chunks are made."""


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file: what to vary, how, and what to look at."""

    name: str
    path: Path | None
    description: str
    base: str | None
    params: dict[str, float | int]
    design: str
    vary: dict[str, Any]
    samples: int | None
    replications: int
    horizon: int
    seed: int
    outcomes: list[str]
    levels: int | None = None

    def resolved(self) -> dict[str, Any]:
        """Everything that decides which runs exist and what they compute, as plain data."""
        return {
            "params": dict(self.params),
            "design": self.design,
            "vary": self.vary,
            "samples": self.samples,
            "replications": self.replications,
            "horizon": self.horizon,
            "seed": self.seed,
            "levels": self.levels,
        }


# --------------------------------------------------------------------------------------------- reading
def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file; every mistake is a UserError naming file, key, line and what is allowed."""
    path = Path(path)
    data, lines = load_mapping(path, kind="sweep file")
    err = _Errors(path, lines)
    _check_keys(err, data)
    name, description = _read_texts(err, data, path)
    params, (base_steps, base_reps, base_seed) = _read_base(err, data, path)
    design = _read_design(err, data)
    vary = _read_vary(err, data, design)
    both = [str(k) for k in (data.get("params") or {}) if k in vary]
    if both:
        raise err(
            ("params", both[0]),
            f"'{both[0]}' is under both 'params' and 'vary'; the sweep sets it from 'vary', so its 'params' "
            "value would be ignored. Keep it in one of the two.",
        )
    samples, levels = _read_samples_and_levels(err, data, design, vary)
    replications = _whole(err, ("replications",), data.get("replications", base_reps), 1, "replications per point")
    horizon = _whole(err, ("horizon",), data.get("horizon", base_steps), 1, "weeks to simulate", MAX_HORIZON)
    seed = _whole(err, ("seed",), data.get("seed", base_seed), 0, "the base seed", MAX_SEED)
    sweep = Sweep(
        name=name,
        path=path,
        description=description,
        base=data.get("base"),
        params=params,
        design=design,
        vary=vary,
        samples=samples,
        replications=replications,
        horizon=horizon,
        seed=seed,
        outcomes=_read_outcomes(err, data),
        levels=levels,
    )
    n_points = count_points(sweep)
    if n_points * replications > MAX_SWEEP_RUNS:
        raise err(
            ("vary",),
            f"this sweep's {design} design has {n_points:,} points x {replications:,} replications = "
            f"{n_points * replications:,} runs, more than the {MAX_SWEEP_RUNS:,} a sweep may have; "
            "use fewer values, samples or replications.",
        )
    return sweep


class _Errors:
    """Builds UserErrors that name the sweep file, the key path and its line."""

    def __init__(self, path: Path, lines: KeyLines):
        self.path, self.lines = path, lines

    def __call__(self, key: tuple[str, ...] | None, message: str) -> UserError:
        where = display(self.path)
        if key:
            line = self.lines.get(key) or self.lines.get(key[:2]) or self.lines.get(key[:1])
            where += f", line {line}" if line else ""
            where += f", key '{'.'.join(key)}'"
        return UserError(f"{where}: {message}")


def _check_keys(err: _Errors, data: dict[str, Any]) -> None:
    for key in data:
        if key not in KEYS:
            raise err(
                (str(key),),
                f"unknown key {shorten(str(key))}.{did_you_mean(key, KEYS)} Allowed keys: {', '.join(KEYS)}.",
            )


def _read_texts(err: _Errors, data: dict[str, Any], path: Path) -> tuple[str, str]:
    name = data.get("name")
    if name is None:
        name = name_from_file(path)
    description = data.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise err((key,), f"'{key}' must be text; got {shorten(value)}.")
    if not FOLDER_NAME.fullmatch(name):
        raise err(("name",), f"{FOLDER_NAME_RULE}; got {shorten(name)}.")
    return name, description


def _read_base(err: _Errors, data: dict[str, Any], path: Path) -> tuple[dict[str, Any], tuple[int, int, int]]:
    """The base parameters, and the base scenario's horizon, replications and seed (or the defaults)."""
    overrides = data.get("params") or {}
    if not isinstance(overrides, dict):
        raise err(("params",), "'params' must be a mapping of parameter name to value, e.g. 'n_citizens: 500'.")
    for pname, value in overrides.items():
        _check_param(err, ("params", str(pname)), pname, value)
    base = data.get("base")
    if base is None:
        try:
            return resolve(overrides), (DEFAULT_STEPS, 1, 0)
        except ParameterError as exc:
            raise err(("params",), str(exc)) from None
    if not isinstance(base, str) or not base:
        raise err(
            ("base",),
            f"'base' must be the path of a scenario file (relative to the sweep file); got {shorten(base)}.",
        )
    try:
        base_path = (path.parent / base).resolve()
        found = base_path.is_file()
    except OSError as exc:  # e.g. a name too long for the file system
        raise err(("base",), f"base scenario {shorten(base)} cannot be read ({exc.strerror or exc}).") from None
    if not found:
        what = "is a folder, not a scenario file" if base_path.is_dir() else "does not exist"
        if base_path.exists() and not base_path.is_dir():
            what = "is not a regular file (a device, pipe or socket)"
        raise err(("base",), f"base scenario {shorten(base)} {what} (looked for '{display(base_path)}').")
    from ..scenario import load_scenario

    scenario = load_scenario(base_path, overrides=dict(overrides) or None)
    return dict(scenario.params), (scenario.steps, scenario.replications, scenario.seed)


def _read_design(err: _Errors, data: dict[str, Any]) -> str:
    design = data.get("design")
    if design not in DESIGNS:
        got = "it is missing" if design is None else f"got {shorten(design)}"
        raise err(("design",), f"'design' must be one of {', '.join(DESIGNS)}; {got}.{did_you_mean(design, DESIGNS)}")
    return design


def _read_vary(err: _Errors, data: dict[str, Any], design: str) -> dict[str, Any]:
    vary_raw = data.get("vary")
    if not isinstance(vary_raw, dict) or not vary_raw:
        raise err(
            ("vary",),
            "'vary' must be a non-empty mapping of parameter name to "
            + (
                "a list of values, e.g. 'zero_error_culture: [0.2, 0.5, 0.8]'."
                if design == "grid"
                else "its bounds, e.g. 'zero_error_culture: {low: 0.2, high: 0.9}' ({} = the declared range)."
            ),
        )
    vary: dict[str, Any] = {}
    for pname, spec in vary_raw.items():
        key = ("vary", str(pname))
        if pname not in PARAMETERS:
            raise err(key, unknown_message(str(pname)))
        vary[pname] = _grid_values(err, key, pname, spec) if design == "grid" else _bounds(err, key, pname, spec)
    return vary


def _read_samples_and_levels(
    err: _Errors, data: dict[str, Any], design: str, vary: dict[str, Any]
) -> tuple[int | None, int | None]:
    samples = data.get("samples")
    if design == "grid":
        if samples is not None:
            raise err(
                ("samples",),
                "'samples' applies to lhs, sobol and morris designs; a grid runs every "
                "combination of the listed values. Remove 'samples'.",
            )
    else:
        samples = _whole(err, ("samples",), samples, 1, "the number of samples N", MAX_SWEEP_RUNS, required=True)
        if design == "sobol" and samples & (samples - 1):
            raise err(
                ("samples",),
                f"a Sobol design needs 'samples' to be a power of two (e.g. 64, 128, 256) for "
                f"its convergence properties; got {samples}.",
            )
        if design == "sobol" and len(vary) < 2:
            raise err(("vary",), "a Sobol design needs at least two parameters under 'vary'.")
    levels = data.get("levels")
    if design == "morris":
        levels = DEFAULT_LEVELS if levels is None else levels
        levels = _whole(err, ("levels",), levels, 2, "the Morris grid levels (even, e.g. 4)", MAX_SWEEP_RUNS)
        if levels % 2:
            raise err(("levels",), f"'levels' must be an even number (e.g. 4 or 6); got {levels}.")
    elif levels is not None:
        raise err(("levels",), "'levels' applies to morris designs only; remove it.")
    return samples, levels


def _read_outcomes(err: _Errors, data: dict[str, Any]) -> list[str]:
    outcomes = data.get("outcomes", list(COLUMN_NAMES))
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    if not isinstance(outcomes, list) or not outcomes:
        raise err(("outcomes",), "'outcomes' must be a non-empty list of model columns, e.g. [uptake, public_value].")
    for i, oname in enumerate(outcomes):
        if oname not in COLUMN_NAMES:
            raise err(
                ("outcomes", str(i)),
                f"{shorten(oname)} is not a model column.{did_you_mean(oname, COLUMN_NAMES)} "
                f"Allowed: {', '.join(COLUMN_NAMES)}.",
            )
    return list(outcomes)


def _check_param(err: _Errors, key: tuple[str, ...], name: Any, value: Any) -> float | int:
    if name not in PARAMETERS:
        raise err(key, unknown_message(str(name)))
    try:
        return PARAMETERS[name].check(value)
    except ParameterError as exc:
        raise err(key, str(exc)) from None


def _grid_values(err: _Errors, key: tuple[str, ...], name: str, spec: Any) -> list[float | int]:
    if isinstance(spec, dict) and set(spec) == {"values"}:
        spec = spec["values"]
    if not isinstance(spec, list) or not spec:
        raise err(
            key,
            f"a grid needs a non-empty list of values for '{name}', e.g. '{name}: "
            f"[{PARAMETERS[name].low}, {PARAMETERS[name].high}]'; got {shorten(spec)}.",
        )
    values = [_check_param(err, (*key, str(i)), name, v) for i, v in enumerate(spec)]
    if len(set(values)) != len(values):
        raise err(key, f"the values of '{name}' repeat ({shorten(values)}); list each value once.")
    return values


def _bounds(err: _Errors, key: tuple[str, ...], name: str, spec: Any) -> dict[str, float | int]:
    p = PARAMETERS[name]
    if spec is None:
        spec = {}
    if isinstance(spec, dict) and not set(spec) <= {"low", "high"}:
        extra = next(str(k) for k in spec if k not in ("low", "high"))
        raise err(
            (*key, extra),
            f"unknown key {shorten(extra)} in the bounds of '{name}'.{did_you_mean(extra, ('low', 'high'))} Bounds "
            f"are '{{low: L, high: H}}' within {p.low}..{p.high} ({p.unit}), or '{{}}' for that whole range.",
        )
    if not isinstance(spec, dict):
        raise err(
            key,
            f"a sampled design needs bounds for '{name}' as '{{low: L, high: H}}' within "
            f"{p.low}..{p.high} ({p.unit}), or '{{}}' for that whole range; got {shorten(spec)}.",
        )
    low = _check_param(err, (*key, "low"), name, spec.get("low", p.low))
    high = _check_param(err, (*key, "high"), name, spec.get("high", p.high))
    if not low < high:
        raise err(key, f"bounds of '{name}' need low < high; got low={low}, high={high}.")
    return {"low": low, "high": high}


def _whole(
    err: _Errors,
    key: tuple[str, ...],
    value: Any,
    minimum: int,
    what: str,
    maximum: int = MAX_SWEEP_RUNS,
    required: bool = False,
) -> int:
    if value is None and required:
        raise err(key, f"'{key[0]}' ({what}) is required for this design; give a whole number >= {minimum}.")
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise err(
            key, f"'{key[0]}' ({what}) must be a whole number from {minimum} to {maximum:,}; got {shorten(value)}."
        )
    return value


# --------------------------------------------------------------------------------------------- design
def salib_problem(sweep: Sweep | dict[str, Any]) -> dict[str, Any]:
    """The SALib problem dict. Whole-number levers get bounds widened by 0.5 so rounding hits every value equally."""
    vary = sweep.vary if isinstance(sweep, Sweep) else sweep["vary"]
    names, bounds = [], []
    for name, b in vary.items():
        low, high = float(b["low"]), float(b["high"])
        if PARAMETERS[name].integer:
            low, high = low - INTEGER_BOUND_WIDENING, high + INTEGER_BOUND_WIDENING
        names.append(name)
        bounds.append([low, high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def count_points(sweep: Sweep | dict[str, Any]) -> int:
    """How many design points the sweep has, computed without building them (a product for a grid)."""
    return store_count_points(sweep.resolved() if isinstance(sweep, Sweep) else sweep)


def sample_matrix(sweep: Sweep | dict[str, Any]) -> np.ndarray:
    """SALib's raw sample for lhs, sobol and morris (one row per design point, before rounding)."""
    spec = sweep.resolved() if isinstance(sweep, Sweep) else sweep
    problem = salib_problem(spec)
    if spec["design"] == "lhs":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, spec["samples"], seed=spec["seed"]))
    if spec["design"] == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(problem, spec["samples"], calc_second_order=False, seed=spec["seed"]))
    from SALib.sample import morris

    return np.asarray(morris.sample(problem, spec["samples"], num_levels=spec["levels"], seed=spec["seed"]))


def matrix_digest(matrix: np.ndarray) -> str:
    """SHA-256 (16 hex digits) of a sampled design's matrix: shape and float64 bytes."""
    data = np.ascontiguousarray(matrix, dtype=np.float64)
    return hashlib.sha256(repr(data.shape).encode() + data.tobytes()).hexdigest()[:CODE_HASH_DIGITS]


class Design:
    """The design points of a sweep, made on demand from its definition: never a list of every point.

    A grid's point ``i`` is the ``i``-th combination in :func:`itertools.product`
    order (the last lever varies fastest), computed from ``i`` alone; a sampled
    design's points are the rows of SALib's matrix (a float array: 8 bytes per
    lever and point), rounded and clipped to the bounds.
    """

    def __init__(self, spec: dict[str, Any], matrix: np.ndarray | None = None, points: list | None = None):
        self.spec = spec
        self.names = list(spec["vary"])
        self._points = points  # a legacy manifest's list of points
        if points is not None:
            self.n_points, self.matrix = len(points), matrix
        elif spec["design"] == "grid":
            self.n_points = count_points(spec)
        else:
            self.matrix = sample_matrix(spec) if matrix is None else matrix
            self.n_points = len(self.matrix)

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> Design:
        """The design a (verified) manifest defines; a sampled one is regenerated and checked against its digest."""
        key = manifest["fingerprint"]
        if key in _DESIGN_CACHE:
            return _DESIGN_CACHE[key]
        spec = manifest["sweep"]
        if "points" in manifest:  # an earlier version's manifest lists its points
            matrix = manifest.get("morris_matrix")
            design = cls(spec, None if matrix is None else np.asarray(matrix, dtype=float), manifest["points"])
        else:
            design = cls(spec)
            if spec["design"] in SAMPLED and matrix_digest(design.matrix) != manifest.get(DESIGN_DIGEST):
                raise UserError(
                    f"the {spec['design']} design of sweep '{manifest['name']}' cannot be reproduced here: SALib "
                    "draws different points from the same seed than when the sweep began (another SALib version?). "
                    "Install the SALib version the sweep began with to resume or analyse it."
                )
        _DESIGN_CACHE.clear()  # one design at a time: a sampled one may be tens of megabytes
        _DESIGN_CACHE[key] = design
        return design

    def points(self, start: int = 0, stop: int | None = None) -> list[dict[str, float | int]]:
        """The varied values of points ``start`` to ``stop - 1``, in design order."""
        stop = self.n_points if stop is None else min(stop, self.n_points)
        if self._points is not None:
            return [dict(p) for p in self._points[start:stop]]
        if self.spec["design"] == "grid":
            return [self._grid_point(i) for i in range(start, stop)]
        return [self._sampled_point(self.matrix[i]) for i in range(start, stop)]

    def _grid_point(self, index: int) -> dict[str, float | int]:
        values: dict[str, float | int] = {}
        for name in reversed(self.names):
            levels = self.spec["vary"][name]
            index, digit = divmod(index, len(levels))
            values[name] = levels[digit]
        return {name: values[name] for name in self.names}

    def _sampled_point(self, row: np.ndarray) -> dict[str, float | int]:
        point: dict[str, float | int] = {}
        for name, value in zip(self.names, row, strict=True):
            b = self.spec["vary"][name]
            if PARAMETERS[name].integer:
                point[name] = int(min(max(round(float(value)), b["low"]), b["high"]))
            else:
                point[name] = float(min(max(float(value), b["low"]), b["high"]))
        return point

    def values(self) -> np.ndarray:
        """Every point's varied values as a float array (points x levers), built without per-point dicts."""
        if self._points is not None:
            return np.array([[float(p[n]) for n in self.names] for p in self._points], dtype=float)
        columns = []
        if self.spec["design"] == "grid":
            index = np.arange(self.n_points, dtype=np.int64)
            for name in reversed(self.names):
                levels = np.asarray(self.spec["vary"][name], dtype=float)
                index, digit = np.divmod(index, len(levels))
                columns.append(levels[digit])
            return np.column_stack(columns[::-1])
        for j, name in enumerate(self.names):
            b, column = self.spec["vary"][name], self.matrix[:, j]
            if PARAMETERS[name].integer:
                column = np.round(column)
            columns.append(np.clip(column, b["low"], b["high"]))
        return np.column_stack(columns).astype(float)

    def raw_matrix(self) -> np.ndarray:
        """SALib's unrounded matrix (Morris effects are read from it, so rounding cannot hide a step's direction)."""
        return self.matrix

    def check(self, params: dict[str, Any], start: int, stop: int, where: str) -> None:
        """A UserError naming the first of points ``start`` to ``stop - 1`` that is not a valid parameter set.

        Each varied value was checked when the file was read; this catches joint
        constraints (``params.resolve``), checking only the values that differ
        from the defaults, so a point costs a few microseconds.
        """
        fixed = {k: v for k, v in params.items() if DEFAULTS.get(k) != v}
        for offset, point in enumerate(self.points(start, stop)):
            try:
                resolve({**fixed, **point})
            except ParameterError as exc:
                raise UserError(
                    f"{where}, key 'vary': design point {start + offset} ({shorten(point)}) is not a valid "
                    f"parameter set: {exc} Narrow the bounds or values under 'vary'."
                ) from None


_DESIGN_CACHE: dict[str, Design] = {}
"""The last design made from a manifest, by fingerprint (run_specs is called once per chunk)."""


def design_points(sweep: Sweep, matrix: np.ndarray | None = None) -> list[dict[str, float | int]]:
    """The varied values of every design point, in design order (SALib's order for sobol and morris).

    Builds a list of every point: for small designs and tests; sweeps use :class:`Design`.
    """
    return Design(sweep.resolved(), matrix).points()


def run_seed(base_seed: int, run_id: int) -> int:
    """The seed of one run: a function of the base seed and the run id only (not of workers or order)."""
    return int(np.random.SeedSequence([base_seed, run_id]).generate_state(1)[0])


def build_manifest(sweep: Sweep) -> dict[str, Any]:
    """Everything needed to rerun, resume and analyse the sweep, without the sweep file.

    The manifest holds the design's definition, not its points (a million-run
    grid is a few kilobytes); a sampled design's matrix is regenerated from its
    seed and checked against the digest kept here. The first
    ``CHECKED_UP_FRONT`` points are checked for joint constraints now, every
    other point when its chunk is made.
    """
    resolved = sweep.resolved()
    design = Design(resolved)
    where = display(sweep.path) if sweep.path else "sweep"
    design.check(sweep.params, 0, min(design.n_points, CHECKED_UP_FRONT), where)
    overlap = set(PARAMETERS) & set(COLUMN_NAMES)
    if overlap:  # pragma: no cover - guards the declarations, not user input
        raise RuntimeError(f"parameter and outcome names overlap: {overlap}")
    model_code = model_code_hash()
    manifest = {
        "format": FORMAT,
        "fingerprint": fingerprint({**resolved, "model_code": model_code}),
        "model_code": model_code,
        "name": sweep.name,
        "description": sweep.description,
        "sweep_file": str(sweep.path) if sweep.path else None,
        "base": sweep.base,
        "sweep": resolved,
        "outcomes": list(sweep.outcomes),
        "problem": salib_problem(sweep) if sweep.design in SAMPLED else None,
        DESIGN_DIGEST: matrix_digest(design.matrix) if sweep.design in SAMPLED else None,
        "n_points": design.n_points,
        "n_runs": design.n_points * sweep.replications,
        "parameter_types": {n: ("int" if p.integer else "float") for n, p in PARAMETERS.items()},
        "outcome_columns": list(COLUMN_NAMES),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "provenance": _provenance(),
    }
    _DESIGN_CACHE.clear()
    _DESIGN_CACHE[manifest["fingerprint"]] = design
    return seal(manifest)


def _provenance() -> dict[str, Any]:
    from ..publishing import provenance

    return provenance()
