"""Sweep files and their designs: reading and checking a sweep file, grid/lhs/sobol/morris points, the manifest.

The *sample* seam of a sweep (as in SALib): :func:`load_sweep` reads and
validates a sweep file, :func:`design_points` turns it into design points and
:func:`build_manifest` records everything needed to run, resume and analyse it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError, did_you_mean, display, shorten
from ..limits import MAX_HORIZON, MAX_SEED, MAX_SWEEP_RUNS
from ..metrics import COLUMN_NAMES
from ..params import DEFAULT_STEPS, PARAMETERS, ParameterError, resolve, unknown_message
from ..yamlio import KeyLines, load_mapping
from .store import FORMAT, fingerprint

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
MODEL_SOURCES = ("model.py", "runner.py", "params.py", "metrics.py", "initiatives.py", "agents", "mechanisms")
DEFAULT_LEVELS = 4
"""Morris grid levels when a sweep file gives none."""
INTEGER_BOUND_WIDENING = 0.5
"""Whole-number levers' SALib bounds reach this far past each end, so rounding hits every value equally often."""
CODE_HASH_DIGITS = 16
"""Hex digits of the model code hash kept in the manifest."""
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""What a sweep's name (its results folder) may look like."""


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
    name = data.get("name", path.stem)
    description = data.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise err((key,), f"'{key}' must be text; got {shorten(value)}.")
    if not NAME_PATTERN.fullmatch(name):
        raise err(
            ("name",),
            f"'name' names the results folder, so it may hold only letters, digits, '_', '.' and "
            f"'-' (and start with a letter or digit); got {shorten(name)}.",
        )
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
    base_path = (path.parent / base).resolve()
    if not base_path.exists():
        raise err(("base",), f"base scenario {shorten(base)} does not exist (looked for '{display(base_path)}').")
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
    if not isinstance(spec, dict) or not set(spec) <= {"low", "high"}:
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
def salib_problem(sweep: Sweep) -> dict[str, Any]:
    """The SALib problem dict. Whole-number levers get bounds widened by 0.5 so rounding hits every value equally."""
    names, bounds = [], []
    for name, b in sweep.vary.items():
        low, high = float(b["low"]), float(b["high"])
        if PARAMETERS[name].integer:
            low, high = low - INTEGER_BOUND_WIDENING, high + INTEGER_BOUND_WIDENING
        names.append(name)
        bounds.append([low, high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def count_points(sweep: Sweep) -> int:
    """How many design points the sweep has, computed without building them."""
    d, n = len(sweep.vary), sweep.samples or 0
    return {
        "grid": math.prod(len(v) for v in sweep.vary.values()),
        "lhs": n,
        "sobol": n * (d + 2),
        "morris": n * (d + 1),
    }[sweep.design]


def sample_matrix(sweep: Sweep) -> np.ndarray:
    """SALib's raw sample for lhs, sobol and morris (one row per design point, before rounding)."""
    problem = salib_problem(sweep)
    if sweep.design == "lhs":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, sweep.samples, seed=sweep.seed))
    if sweep.design == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(problem, sweep.samples, calc_second_order=False, seed=sweep.seed))
    from SALib.sample import morris

    return np.asarray(morris.sample(problem, sweep.samples, num_levels=sweep.levels, seed=sweep.seed))


def design_points(sweep: Sweep, matrix: np.ndarray | None = None) -> list[dict[str, float | int]]:
    """The varied values of every design point, in design order (SALib's order for sobol and morris)."""
    if sweep.design == "grid":
        names = list(sweep.vary)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*sweep.vary.values())]
    matrix = sample_matrix(sweep) if matrix is None else matrix
    points = []
    for row in matrix:
        point: dict[str, float | int] = {}
        for name, value in zip(sweep.vary, row, strict=True):
            b = sweep.vary[name]
            if PARAMETERS[name].integer:
                point[name] = int(min(max(round(float(value)), b["low"]), b["high"]))
            else:
                point[name] = float(min(max(float(value), b["low"]), b["high"]))
        points.append(point)
    return points


def run_seed(base_seed: int, run_id: int) -> int:
    """The seed of one run: a function of the base seed and the run id only (not of workers or order)."""
    return int(np.random.SeedSequence([base_seed, run_id]).generate_state(1)[0])


def build_manifest(sweep: Sweep) -> dict[str, Any]:
    """Everything needed to rerun, resume and analyse the sweep, without the sweep file."""
    matrix = sample_matrix(sweep) if sweep.design == "morris" else None
    points = design_points(sweep, matrix)
    for i, point in enumerate(points):
        try:
            resolve({**sweep.params, **point})
        except ParameterError as exc:
            raise UserError(
                f"{display(sweep.path) if sweep.path else 'sweep'}, key 'vary': design point {i} ({point}) "
                f"is not a valid parameter set: {exc} Narrow the bounds or values under 'vary'."
            ) from None
    overlap = set(PARAMETERS) & set(COLUMN_NAMES)
    if overlap:  # pragma: no cover - guards the declarations, not user input
        raise RuntimeError(f"parameter and outcome names overlap: {overlap}")
    resolved = sweep.resolved()
    model_code = model_code_hash()
    return {
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
        # Morris effects are read from the unrounded trajectories (rounding must not hide a step's direction).
        "morris_matrix": matrix.tolist() if matrix is not None else None,
        "n_points": len(points),
        "n_runs": len(points) * sweep.replications,
        "points": points,
        "parameter_types": {n: ("int" if p.integer else "float") for n, p in PARAMETERS.items()},
        "outcome_columns": list(COLUMN_NAMES),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "provenance": _provenance(),
    }


def _provenance() -> dict[str, Any]:
    from ..publishing import provenance

    return provenance()


def model_code_hash() -> str:
    """SHA-256 (16 hex digits) of the model's source files: rows from different model code are never mixed."""
    root = Path(__file__).resolve().parents[1]  # the cocreate_sim package
    digest = hashlib.sha256()
    for entry in MODEL_SOURCES:
        path = root / entry
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:CODE_HASH_DIGITS]
