"""Replications, seeds and results on disk.

A scenario is run ``replications`` times; replication ``i`` uses the seed
``base seed + i`` (so replication 0 of a scenario with ``seed: 1`` uses seed 1).
``compare`` gives every scenario the same seeds (common random numbers), so
the difference between two scenarios in replication ``i`` is due to the levers,
not to luck. Replications run in parallel on the local cores.

Results appear atomically: everything is written into a hidden
``.partial-<pid>-...`` folder inside the output folder and renamed into place
(``os.replace``) only when complete, so an interrupted run (Ctrl-C, kill)
never leaves a half-written results folder. A partial folder left by a killed
process is removed by the next run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import math
import multiprocessing
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import UserError
from .fileio import atomic_write_bytes, atomic_write_text, write_json  # noqa: F401 (re-exported)
from .metrics import COLUMN_NAMES, COLUMNS

PARTIAL_PREFIX = ".partial-"


# ----------------------------------------------------------------- seeds
def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """Seeds of the replications: ``base_seed + i``; the same for every scenario in a comparison."""
    return [int(base_seed) + i for i in range(int(replications))]


# ------------------------------------------------------------- provenance
def _git_commit() -> str:
    """The git commit of the source tree this package was imported from, or "unknown"."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}{' (with uncommitted changes)' if dirty else ''}" if commit else "unknown"


def provenance() -> dict[str, Any]:
    """What produced a result: package version, git commit, Python and Mesa versions, time, command."""
    import mesa

    from . import __version__

    return {
        "package": "cocreate_sim",
        "package_version": __version__,
        "git_commit": _git_commit(),
        "python_version": platform.python_version(),
        "mesa_version": getattr(mesa, "__version__", "unknown"),
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "platform": platform.platform(),
        "timestamp_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "",
    }


# -------------------------------------------------------------- running
def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them cleanly (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _spawning_without_sigint() -> Iterator[None]:
    """Start workers with Ctrl-C ignored from their first instruction (an ignored signal survives exec).

    Only the parent reacts to Ctrl-C: it stops the pool and removes partial
    output; a worker interrupted while still starting up would otherwise
    print its own traceback.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to protect
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_one(task: tuple[str, int, int, int, dict[str, Any]]) -> tuple[str, int, int, pd.DataFrame]:
    """One replication (top-level so that spawned pool workers can import it)."""
    from .runner import run_timeseries

    label, replication, seed, steps, params = task
    frame = run_timeseries(steps, seed, **params)
    return label, replication, seed, frame


def run_replications(
    runs: Sequence[tuple[str, dict[str, Any]]],
    steps: int,
    seeds: Sequence[int],
    processes: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every (label, params) with every seed; one row per label, replication and week.

    Columns: ``scenario``, ``replication``, ``seed``, ``week`` and every model
    column. Runs on a pool of ``processes`` (default: all local cores); one
    process is used when there is a single run.
    """
    tasks = [(label, i, seed, steps, dict(params)) for label, params in runs for i, seed in enumerate(seeds)]
    processes = min(processes or os.cpu_count() or 1, len(tasks))
    results: list[tuple[str, int, int, pd.DataFrame]] = []
    bar = _progress_bar(len(tasks), progress)
    try:
        if processes <= 1:
            for task in tasks:
                results.append(_run_one(task))
                bar.update(1)
        else:
            ctx = multiprocessing.get_context("spawn")
            with _spawning_without_sigint():
                pool = ctx.Pool(processes, initializer=_ignore_sigint)
            with pool:  # leaving the block (also by Ctrl-C) terminates the workers
                for result in pool.imap_unordered(_run_one, tasks):
                    results.append(result)
                    bar.update(1)
    finally:
        bar.close()
    order = {label: k for k, (label, _) in enumerate(runs)}
    results.sort(key=lambda r: (order[r[0]], r[1]))
    frames = []
    for label, replication, seed, frame in results:
        frame = frame.reset_index()
        frame.insert(0, "seed", seed)
        frame.insert(0, "replication", replication)
        frame.insert(0, "scenario", label)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["week"] = table["week"].astype("int64")
    return table[["scenario", "replication", "seed", "week", *COLUMN_NAMES]]


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="replications", unit="run", disable=not enabled, file=sys.stderr, leave=False)


# ------------------------------------------------------------- statistics
def t_quantile(df: int, level: float = 0.95) -> float:
    """Two-sided Student-t quantile for a ``level`` confidence interval with ``df`` degrees of freedom."""
    if df < 1:
        return math.nan
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2.0, df))


def mean_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean, standard deviation and the t-interval of the mean; NaN bounds with a single value."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan
    sd = float(x.std(ddof=1))
    half = t_quantile(n - 1, level) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def summarize(table: pd.DataFrame, week: int | None = None) -> pd.DataFrame:
    """Per scenario and outcome: mean, sd and 95% t-interval across replications at ``week`` (default: last)."""
    week = int(table["week"].max()) if week is None else week
    final = table[table["week"] == week]
    rows = []
    for label, group in final.groupby("scenario", sort=False):
        for column in COLUMN_NAMES:
            mean, sd, low, high = mean_ci(group[column].to_numpy())
            rows.append(
                {
                    "scenario": label,
                    "outcome": column,
                    "unit": COLUMNS[column].unit,
                    "week": week,
                    "n": len(group),
                    "mean": mean,
                    "sd": sd,
                    "ci95_low": low,
                    "ci95_high": high,
                }
            )
    return pd.DataFrame(rows)


def paired_differences(table: pd.DataFrame, reference: str, week: int | None = None) -> pd.DataFrame:
    """Each other scenario minus ``reference`` at ``week``, paired by replication (common seeds), with t-CIs."""
    week = int(table["week"].max()) if week is None else week
    final = table[table["week"] == week].set_index(["scenario", "replication"])
    base = final.loc[reference]
    rows = []
    for label in table["scenario"].unique():
        if label == reference:
            continue
        other = final.loc[label]
        for column in COLUMN_NAMES:
            diff = (other[column] - base[column]).dropna()
            mean, sd, low, high = mean_ci(diff.to_numpy())
            ref_mean = float(base[column].mean())
            rows.append(
                {
                    "scenario": label,
                    "reference": reference,
                    "outcome": column,
                    "unit": COLUMNS[column].unit,
                    "week": week,
                    "n": len(diff),
                    "reference_mean": ref_mean,
                    "scenario_mean": float(other[column].mean()),
                    "difference": mean,
                    "ci95_low": low,
                    "ci95_high": high,
                }
            )
    return pd.DataFrame(rows)


def weekly_bands(table: pd.DataFrame, column: str, level: float = 0.95) -> pd.DataFrame:
    """Per scenario and week: mean of ``column`` and its t-interval across replications (for plots)."""
    grouped = table.groupby(["scenario", "week"], sort=False)[column]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    q = out["count"].map(lambda n: t_quantile(int(n) - 1, level) if n > 1 else math.nan)
    half = q * out["std"] / np.sqrt(out["count"])
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def remove_stale_partials(out_dir: Path) -> None:
    """Delete ``.partial-<pid>-*`` folders whose writing process no longer exists (it was killed)."""
    if not out_dir.is_dir():
        return
    for entry in out_dir.iterdir():
        if not entry.name.startswith(PARTIAL_PREFIX) or not entry.is_dir():
            continue
        pid_text = entry.name[len(PARTIAL_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _pid_alive(int(pid_text)):
            shutil.rmtree(entry, ignore_errors=True)


def timestamp() -> str:
    """UTC timestamp for folder names, e.g. 20261122-171530."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")


@contextlib.contextmanager
def publishing_dir(out_dir: str | Path, name: str) -> Iterator[tuple[Path, list[Path]]]:
    """Yield a hidden work folder and a one-item list that will hold the final folder's path.

    On success the work folder is renamed to ``out_dir/<name>-<timestamp>``
    (with ``-2``, ``-3``... if that exists: nothing is ever overwritten). On
    any exception, Ctrl-C included, the work folder is deleted.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: cannot create the results folder ({exc.strerror or exc}).") from None
    if not os.access(out_dir, os.W_OK):
        raise UserError(f"--out {out_dir}: the results folder is not writable; choose another with --out DIR.")
    remove_stale_partials(out_dir)
    work = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{os.getpid()}-{name}-", dir=out_dir))
    work.chmod(0o755)
    final: list[Path] = []
    try:
        yield work, final
        stem = f"{name}-{timestamp()}"
        for k in range(1, 1000):
            target = out_dir / (stem if k == 1 else f"{stem}-{k}")
            if target.exists():
                continue
            try:
                os.rename(work, target)  # fails rather than replacing an existing folder
            except OSError:
                if target.exists():
                    continue
                raise
            final.append(target)
            break
        else:  # pragma: no cover - a thousand runs in one second
            raise UserError(f"{out_dir}: could not find a free folder name for {stem}.")
    finally:
        if not final:
            shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------ experiments
def run_scenario(
    scenario: Any,
    out_dir: str | Path = "results",
    processes: int | None = None,
    progress: bool = True,
) -> tuple[Path, pd.DataFrame]:
    """Run a loaded scenario's replications and publish a new results folder; return it and the summary.

    The folder holds ``scenario.yaml`` (fully resolved, with provenance),
    ``timeseries.parquet``, ``summary.csv`` and ``report.html``.
    """
    from .report import render_run
    from .scenario import scenario_yaml

    seeds = replication_seeds(scenario.seed, scenario.replications)
    table = run_replications([(scenario.name, scenario.params)], scenario.steps, seeds, processes, progress)
    summary = summarize(table)
    prov = {**provenance(), "source": scenario.resolved.get("source", str(scenario.path))}
    with publishing_dir(out_dir, scenario.name) as (work, final):
        atomic_write_text(work / "scenario.yaml", scenario_yaml(scenario, prov))
        table.drop(columns="scenario").to_parquet(work / "timeseries.parquet", index=False)
        summary.drop(columns="scenario").to_csv(work / "summary.csv", index=False)
        page = render_run(scenario.name, scenario.description, scenario.params, table, summary, prov)
        atomic_write_text(work / "report.html", page)
    return final[0], summary


def compare_scenarios(
    scenarios: Sequence[Any],
    steps: int,
    replications: int,
    seed: int,
    out_dir: str | Path = "results",
    processes: int | None = None,
    progress: bool = True,
) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """Run every scenario with the same seeds (common random numbers); publish one folder with one report.

    Differences are each scenario minus the first, paired by replication.
    Returns the folder, the summary and the differences.
    """
    from .report import render_compare
    from .scenario import scenario_yaml

    names = unique_names([s.name for s in scenarios])
    seeds = replication_seeds(seed, replications)
    runs = [(n, s.params) for n, s in zip(names, scenarios, strict=True)]
    table = run_replications(runs, steps, seeds, processes, progress)
    summary = summarize(table)
    diffs = paired_differences(table, names[0])
    prov = provenance()
    folder = "compare-" + "-vs-".join(names)
    if len(folder) > 100:
        folder = f"compare-{names[0]}-vs-{len(names) - 1}-scenarios"
    with publishing_dir(out_dir, folder) as (work, final):
        (work / "scenarios").mkdir()
        for n, s in zip(names, scenarios, strict=True):
            ran = dataclasses.replace(s, steps=steps, replications=replications, seed=seed)
            atomic_write_text(work / "scenarios" / f"{n}.yaml", scenario_yaml(ran, {**prov, "compared_as": n}))
        table.to_parquet(work / "timeseries.parquet", index=False)
        summary.to_csv(work / "summary.csv", index=False)
        diffs.to_csv(work / "differences.csv", index=False)
        page = render_compare(
            names,
            {n: s.description for n, s in zip(names, scenarios, strict=True)},
            {n: s.params for n, s in zip(names, scenarios, strict=True)},
            table,
            summary,
            diffs,
            prov,
        )
        atomic_write_text(work / "report.html", page)
    return final[0], summary, diffs


def unique_names(names: Sequence[str]) -> list[str]:
    """Scenario names made unique for a comparison (``a``, ``a-2``...)."""
    out: list[str] = []
    for name in names:
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name}-{k}", k + 1
        out.append(candidate)
    return out
