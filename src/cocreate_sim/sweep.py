"""Parameter sweeps: a design, runs on Dask distributed, crash-safe results, sensitivity analysis.

Three seams, as in SALib: *sample* (:func:`load_sweep` reads and validates a
sweep file, :func:`design_points` turns it into design points), *run*
(:func:`run_sweep` sends chunks of runs to a Dask cluster, embedded or
separately started, and stores each finished chunk at once through
:class:`~cocreate_sim.sweep_store.SweepStore`), *analyse*
(:mod:`cocreate_sim.analysis`). Every run's seed derives from the base seed
and its run id alone, so the rows do not depend on the number of workers or
the order in which chunks finish.

Command line: ``python run.py sweep SWEEP.yaml [--workers N] [--cluster ADDRESS] [--out DIR]``
and ``python run.py analyse OUTDIR``; see ``docs/sweeps.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import difflib
import hashlib
import itertools
import logging
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .errors import UserError
from .metrics import COLUMN_NAMES
from .params import DEFAULT_STEPS, PARAMETERS, ParameterError, resolve
from .sweep_store import FORMAT, SweepStore, fingerprint

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
MAX_RUNS = 5_000_000
MODEL_SOURCES = ("model.py", "runner.py", "params.py", "metrics.py", "initiatives.py", "agents", "mechanisms")


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
    data = _load_yaml(path)
    lines = _key_lines(path)
    err = _Errors(path, lines)
    for key in data:
        if key not in KEYS:
            hint = difflib.get_close_matches(str(key), KEYS, n=1)
            did = f" Did you mean '{hint[0]}'?" if hint else ""
            raise err((str(key),), f"unknown key '{key}'.{did} Allowed keys: {', '.join(KEYS)}.")

    name = data.get("name", path.stem)
    description = data.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise err((key,), f"'{key}' must be text; got {value!r}.")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise err(
            ("name",),
            f"'name' names the results folder, so it may hold only letters, digits, '_', '.' and "
            f"'-' (and start with a letter or digit); got {name!r}.",
        )

    base_steps, base_reps, base_seed = DEFAULT_STEPS, 1, 0
    overrides = data.get("params") or {}
    if not isinstance(overrides, dict):
        raise err(("params",), "'params' must be a mapping of parameter name to value, e.g. 'n_citizens: 500'.")
    for pname, value in overrides.items():
        _check_param(err, ("params", str(pname)), pname, value)
    base = data.get("base")
    if base is not None:
        if not isinstance(base, str) or not base:
            raise err(
                ("base",), f"'base' must be the path of a scenario file (relative to the sweep file); got {base!r}."
            )
        base_path = (path.parent / base).resolve()
        if not base_path.exists():
            raise err(("base",), f"base scenario '{base}' does not exist (looked for '{base_path}').")
        from .scenario import load_scenario

        scenario = load_scenario(base_path, overrides=dict(overrides) or None)
        params = dict(scenario.params)
        base_steps, base_reps, base_seed = scenario.steps, scenario.replications, scenario.seed
    else:
        try:
            params = resolve(overrides)
        except ParameterError as exc:
            raise err(("params",), str(exc)) from None

    design = data.get("design")
    if design not in DESIGNS:
        hint = difflib.get_close_matches(str(design), DESIGNS, n=1)
        did = f" Did you mean '{hint[0]}'?" if hint else ""
        got = "it is missing" if design is None else f"got {design!r}"
        raise err(("design",), f"'design' must be one of {', '.join(DESIGNS)}; {got}.{did}")

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
            raise err(key, f"'{pname}' is not a parameter. " + _param_hint(str(pname)))
        vary[pname] = _grid_values(err, key, pname, spec) if design == "grid" else _bounds(err, key, pname, spec)

    samples = data.get("samples")
    if design == "grid":
        if samples is not None:
            raise err(
                ("samples",),
                "'samples' applies to lhs, sobol and morris designs; a grid runs every "
                "combination of the listed values. Remove 'samples'.",
            )
    else:
        samples = _whole(err, ("samples",), samples, 1, "the number of samples N", required=True)
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
        levels = _whole(err, ("levels",), 4 if levels is None else levels, 2, "the Morris grid levels (even, e.g. 4)")
        if levels % 2:
            raise err(("levels",), f"'levels' must be an even number (e.g. 4 or 6); got {levels}.")
    elif levels is not None:
        raise err(("levels",), "'levels' applies to morris designs only; remove it.")

    replications = _whole(err, ("replications",), data.get("replications", base_reps), 1, "replications per point")
    horizon = _whole(err, ("horizon",), data.get("horizon", base_steps), 1, "weeks to simulate")
    seed = _whole(err, ("seed",), data.get("seed", base_seed), 0, "the base seed")

    outcomes = data.get("outcomes", list(COLUMN_NAMES))
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    if not isinstance(outcomes, list) or not outcomes:
        raise err(("outcomes",), "'outcomes' must be a non-empty list of model columns, e.g. [uptake, public_value].")
    for i, oname in enumerate(outcomes):
        if oname not in COLUMN_NAMES:
            hint = difflib.get_close_matches(str(oname), COLUMN_NAMES, n=1)
            did = f" Did you mean '{hint[0]}'?" if hint else ""
            raise err(
                ("outcomes", str(i)), f"'{oname}' is not a model column.{did} Allowed: {', '.join(COLUMN_NAMES)}."
            )

    sweep = Sweep(
        name=name,
        path=path,
        description=description,
        base=base,
        params=params,
        design=design,
        vary=vary,
        samples=samples,
        replications=replications,
        horizon=horizon,
        seed=seed,
        outcomes=list(outcomes),
        levels=levels,
    )
    n_points = _count_points(sweep)
    if n_points * replications > MAX_RUNS:
        raise err(
            ("vary",),
            f"this sweep has {n_points * replications:,} runs, more than the {MAX_RUNS:,} allowed; "
            "use fewer values, samples or replications.",
        )
    return sweep


def _load_yaml(path: Path) -> Any:
    """Load through the scenario loader so that sweep and scenario files fail with the same messages."""
    from .scenario import load_yaml

    return load_yaml(path)


def _key_lines(path: Path) -> dict[tuple[str, ...], int]:
    """Line number (1-based) of every key path in a YAML file, best effort, for error messages."""
    import yaml

    try:
        root = yaml.compose(path.read_text(), Loader=yaml.SafeLoader)
    except Exception:  # the loader above already reported real syntax errors
        return {}
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: Any, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*prefix, str(key.value))
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                sub = (*prefix, str(i))
                lines[sub] = value.start_mark.line + 1
                walk(value, sub)

    if root is not None:
        walk(root, ())
    return lines


class _Errors:
    """Builds UserErrors that name the sweep file, the key path and its line."""

    def __init__(self, path: Path, lines: dict[tuple[str, ...], int]):
        self.path, self.lines = path, lines

    def __call__(self, key: tuple[str, ...] | None, message: str) -> UserError:
        where = _display(self.path)
        if key:
            line = self.lines.get(key) or self.lines.get(key[:2]) or self.lines.get(key[:1])
            where += f", line {line}" if line else ""
            where += f", key '{'.'.join(key)}'"
        return UserError(f"{where}: {message}")


def _display(path: Path) -> str:
    """The path as the user typed it relative to the working directory, if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _param_hint(name: str) -> str:
    hint = difflib.get_close_matches(name, PARAMETERS, n=1, cutoff=0.6)
    did = f"Did you mean '{hint[0]}'? " if hint else ""
    return did + "Valid parameters are listed by 'python run.py params'."


def _check_param(err: _Errors, key: tuple[str, ...], name: Any, value: Any) -> float | int:
    if name not in PARAMETERS:
        raise err(key, f"'{name}' is not a parameter. " + _param_hint(str(name)))
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
            f"[{PARAMETERS[name].low}, {PARAMETERS[name].high}]'; got {spec!r}.",
        )
    values = [_check_param(err, (*key, str(i)), name, v) for i, v in enumerate(spec)]
    if len(set(values)) != len(values):
        raise err(key, f"the values of '{name}' repeat ({values}); list each value once.")
    return values


def _bounds(err: _Errors, key: tuple[str, ...], name: str, spec: Any) -> dict[str, float | int]:
    p = PARAMETERS[name]
    if spec is None:
        spec = {}
    if not isinstance(spec, dict) or not set(spec) <= {"low", "high"}:
        raise err(
            key,
            f"a sampled design needs bounds for '{name}' as '{{low: L, high: H}}' within "
            f"{p.low}..{p.high} ({p.unit}), or '{{}}' for that whole range; got {spec!r}.",
        )
    low = _check_param(err, (*key, "low"), name, spec.get("low", p.low))
    high = _check_param(err, (*key, "high"), name, spec.get("high", p.high))
    if not low < high:
        raise err(key, f"bounds of '{name}' need low < high; got low={low}, high={high}.")
    return {"low": low, "high": high}


def _whole(err: _Errors, key: tuple[str, ...], value: Any, minimum: int, what: str, required: bool = False) -> int:
    if value is None and required:
        raise err(key, f"'{key[0]}' ({what}) is required for this design; give a whole number >= {minimum}.")
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise err(key, f"'{key[0]}' ({what}) must be a whole number >= {minimum}; got {value!r}.")
    return value


# --------------------------------------------------------------------------------------------- design
def salib_problem(sweep: Sweep) -> dict[str, Any]:
    """The SALib problem dict. Whole-number levers get bounds widened by 0.5 so rounding hits every value equally."""
    names, bounds = [], []
    for name, b in sweep.vary.items():
        low, high = float(b["low"]), float(b["high"])
        if PARAMETERS[name].integer:
            low, high = low - 0.5, high + 0.5
        names.append(name)
        bounds.append([low, high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _count_points(sweep: Sweep) -> int:
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
                f"{_display(sweep.path) if sweep.path else 'sweep'}, key 'vary': design point {i} ({point}) "
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
    from .experiment import provenance

    return provenance()


def run_specs(manifest: dict[str, Any], run_ids: list[int]) -> list[dict[str, Any]]:
    """The full description of each run: ids, seed and every parameter (base values with the point's)."""
    base = manifest["sweep"]["params"]
    reps, seed = manifest["sweep"]["replications"], manifest["sweep"]["seed"]
    out = []
    for run_id in run_ids:
        point = run_id // reps
        params = {**base, **manifest["points"][point]}
        out.append(
            {
                "run_id": run_id,
                "point": point,
                "replication": run_id % reps,
                "seed": run_seed(seed, run_id),
                "params": params,
            }
        )
    return out


def run_chunk(runs: list[dict[str, Any]], horizon: int) -> list[dict[str, Any]]:
    """Run a chunk of runs on a worker; one row per run (ids, seed, every parameter, every final outcome)."""
    from .runner import run_model

    rows = []
    for run in runs:
        outcomes = run_model(steps=horizon, rng=run["seed"], **run["params"])
        rows.append(
            {
                "run_id": run["run_id"],
                "point": run["point"],
                "replication": run["replication"],
                "seed": run["seed"],
                **run["params"],
                **outcomes,
            }
        )
    return rows


def model_code_hash() -> str:
    """SHA-256 (16 hex digits) of the model's source files: rows from different model code are never mixed."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for entry in MODEL_SOURCES:
        path = root / entry
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------------------------- engine
@dataclass
class SweepResult:
    """What a sweep call did: where, how many runs existed before, ran now, and in total."""

    out: Path
    n_runs: int
    skipped: int
    ran: int
    seconds: float
    run_seconds: float
    warnings: list[str]


def default_chunk_size(n_missing: int, n_workers: int) -> int:
    """About twenty tasks per worker: few enough that scheduling is noise, enough to balance the tail."""
    return max(1, min(100, math.ceil(n_missing / max(1, n_workers * 20))))


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    workers: int | None = None,
    cluster: str | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    analyse: bool = True,
    log: Any = None,
) -> SweepResult:
    """Run every run of ``sweep`` not yet in ``out`` on Dask and store each finished chunk at once.

    Safe to call again on the same folder after any interruption: finished
    runs are skipped, nothing is duplicated. ``cluster`` is the address of a
    running Dask scheduler; without it an embedded LocalCluster with
    ``workers`` processes (default: every core) is started and stopped.
    """
    log = log or sys.stderr
    out = Path(out)
    started = time.perf_counter()
    manifest = build_manifest(sweep)
    store = SweepStore.open(out, manifest)
    try:
        manifest = store.manifest
        done = store.finished_run_ids()
        for warning in store.warnings:
            print(f"warning: {warning}", file=log)
        n_runs = manifest["n_runs"]
        missing = [i for i in range(n_runs) if i not in done]
        run_seconds = 0.0
        if missing:
            run_seconds = _execute(store, manifest, missing, len(done), workers, cluster, chunk_size, progress, log)
        else:
            print(f"all {n_runs} runs of '{manifest['name']}' are already in '{out}'; nothing to run.", file=log)
        final = store.finished_run_ids()
        if len(final) != n_runs:  # pragma: no cover - would be a bug in the engine, never silently accepted
            raise RuntimeError(f"sweep ended with {len(final)} of {n_runs} runs stored in '{out}'")
    finally:
        store.close()
    result = SweepResult(
        out, n_runs, len(done), len(missing), time.perf_counter() - started, run_seconds, store.warnings
    )
    if analyse:
        from .analysis import analyse as analyse_folder

        written = analyse_folder(out)
        print("wrote " + ", ".join(str(p) for p in written), file=log)
    return result


def _execute(
    store: SweepStore,
    manifest: dict[str, Any],
    missing: list[int],
    n_done: int,
    workers: int | None,
    cluster: str | None,
    chunk_size: int | None,
    progress: bool,
    log: Any,
) -> float:
    from distributed import KilledWorker, as_completed
    from tqdm import tqdm

    client, local = _connect(workers, cluster)
    try:
        n_workers = sum(client.nthreads().values()) or 1  # task slots: worker processes x threads
        size = chunk_size or default_chunk_size(len(missing), n_workers)
        horizon = manifest["sweep"]["horizon"]
        tag = manifest["fingerprint"][:10]
        started = time.perf_counter()
        futures = []
        for start in range(0, len(missing), size):
            ids = missing[start : start + size]
            futures.append(
                client.submit(
                    run_chunk,
                    run_specs(manifest, ids),
                    horizon,
                    pure=False,
                    key=f"cocreate-sweep-{tag}-{ids[0]}-{ids[-1]}",
                )
            )
        where = f"cluster {cluster}" if cluster else f"{n_workers} local worker{'s' if n_workers != 1 else ''}"
        print(
            f"sweep '{manifest['name']}': {len(missing)} of {manifest['n_runs']} runs to do "
            f"({n_done} already stored) on {where}, {len(futures)} chunks of <= {size} runs -> {store.root}",
            file=log,
        )
        with tqdm(
            total=manifest["n_runs"],
            initial=n_done,
            unit="run",
            disable=not progress,
            file=log,
            dynamic_ncols=True,
            smoothing=0.1,
        ) as bar:
            for future in as_completed(futures):
                try:
                    rows = future.result()
                except KilledWorker:
                    raise UserError(
                        f"a chunk of runs ({future.key}) ended the Dask worker running it three times in a row "
                        "(out of memory?). The finished chunks are stored in "
                        f"'{store.root}'; give the workers more memory or use a smaller --chunk-size, then run "
                        "the same command again to resume."
                    ) from None
                store.write_chunk(rows)
                bar.update(len(rows))
                future.release()
        return time.perf_counter() - started
    finally:
        _close(client, local)


def _connect(workers: int | None, cluster: str | None):
    """A Dask client: on the scheduler at ``cluster``, or on a new embedded LocalCluster."""
    from distributed import Client, LocalCluster

    if cluster:
        try:
            client = Client(cluster, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise UserError(
                f"could not reach a Dask scheduler at '{cluster}' within 15 s ({exc}). Start one with "
                "'dask scheduler' and at least one 'dask worker <address>' (see docs/sweeps.md), or drop --cluster "
                "to use the embedded local cluster."
            ) from None
        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            client.close()
            raise UserError(
                f"the Dask scheduler at '{cluster}' has no workers after 60 s; start some with "
                f"'dask worker {cluster} --nthreads 1'."
            ) from None
        _check_workers(client, cluster)
        return client, None
    n = workers or _cores()
    if n < 1:
        raise UserError(f"--workers must be at least 1; got {n}.")
    # preload: each worker imports the model at start-up and leaves Ctrl-C to this process (see dask_setup).
    local = LocalCluster(
        preload=["cocreate_sim.sweep"],
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # No dashboard; Dask still serves health and metrics pages, so keep them on loopback and free ports.
        dashboard_address="127.0.0.1:0",
        worker_dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
        silence_logs=logging.ERROR,
    )
    return Client(local), local


def dask_setup(worker: Any) -> None:
    """Dask preload hook in embedded-cluster workers: Ctrl-C in the terminal reaches the whole process group,
    but only the sweep's main process should act on it (it stops the workers cleanly, without tracebacks)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _check_workers(client: Any, cluster: str) -> None:
    """Workers of a separate cluster must run this same model code, or rows of two models would be mixed."""
    try:
        codes = set(client.run(model_code_hash).values())
    except (ModuleNotFoundError, ImportError):
        codes = {"(cocreate_sim not installed)"}
    if codes != {model_code_hash()}:
        client.close()
        raise UserError(
            f"the workers of the Dask cluster at '{cluster}' run different model code ({', '.join(sorted(codes))}) "
            f"from this checkout ({model_code_hash()}, cocreate_sim {__version__}). Install this same checkout in "
            "the workers' environment (pip install -e .) and restart them."
        )


def _close(client: Any, local: Any) -> None:
    import contextlib

    with contextlib.suppress(Exception):
        client.close(timeout=10)
    if local is not None:
        with contextlib.suppress(Exception):
            local.close(timeout=10)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------------------------- command line
def register(subparsers: Any) -> None:
    """Add the 'sweep' and 'analyse' subcommands to the command line (called by cocreate_sim.cli)."""
    sweep = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (grid, lhs, sobol, morris) on Dask; resumable",
        description="Run every run of a sweep file on Dask distributed (an embedded local cluster, or an existing "
        "one with --cluster), storing each finished chunk atomically under --out. Running the same command "
        "again resumes an interrupted sweep. At the end sensitivity.csv and report.html are written.",
    )
    sweep.add_argument("sweep_file", metavar="SWEEP.yaml", help="the sweep file (see sweeps/ and docs/sweeps.md)")
    sweep.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the embedded cluster (default: every core)",
    )
    sweep.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://host:8786, instead of the embedded one",
    )
    sweep.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="results folder (default: results/sweeps/<sweep name>); rerun on it to resume",
    )
    sweep.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="K",
        help="runs per task (default: about twenty tasks per worker)",
    )
    sweep.add_argument("--no-analyse", action="store_true", help="skip sensitivity.csv and report.html at the end")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(func=_cmd_sweep)

    analyse = subparsers.add_parser(
        "analyse",
        aliases=["analyze"],
        help="sensitivity.csv and report.html for a sweep results folder",
        description="Read a sweep results folder and write sensitivity.csv (Sobol S1/ST with confidence intervals, "
        "Morris mu*/sigma, or for grids and Latin hypercubes main-effect shares and standardized regression "
        "coefficients) and a self-contained report.html.",
    )
    analyse.add_argument("outdir", metavar="OUTDIR", help="a folder written by 'python run.py sweep'")
    analyse.set_defaults(func=_cmd_analyse)


def _cmd_sweep(args: argparse.Namespace) -> int:
    if args.cluster and args.workers is not None:
        raise UserError(
            "--workers applies to the embedded cluster only; with --cluster the cluster's own workers "
            "run the sweep. Give one of the two."
        )
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1; got {args.workers}.")
    if args.chunk_size is not None and args.chunk_size < 1:
        raise UserError(f"--chunk-size must be at least 1; got {args.chunk_size}.")
    sweep = load_sweep(args.sweep_file)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / sweep.name
    try:
        result = run_sweep(
            sweep,
            out,
            workers=args.workers,
            cluster=args.cluster,
            chunk_size=args.chunk_size,
            progress=not args.no_progress,
            analyse=not args.no_analyse,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: finished chunks are safe in '{out}'; run the same command again to resume.",
            file=sys.stderr,
        )
        return 130

    print(
        f"{result.n_runs} runs in '{result.out}' ({result.ran} run now, {result.skipped} resumed) "
        f"in {result.seconds:.1f} s"
    )
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    from .analysis import analyse

    for path in analyse(Path(args.outdir)):
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m cocreate_sim.sweep``: the same subcommands without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog="python -m cocreate_sim.sweep")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
