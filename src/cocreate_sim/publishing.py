"""Results on disk: provenance, atomic results folders, runs, comparisons and rebuilt reports.

Results appear atomically: everything is written into a hidden
``.partial-<pid>-...`` folder inside the output folder and renamed into place
(``os.rename``) only when complete, so an interrupted run (Ctrl-C, kill)
never leaves a half-written results folder. A partial folder left by a killed
process is removed by the next run.

A run folder holds ``scenario.yaml`` (fully resolved, with provenance),
``timeseries.parquet``, ``summary.csv`` and ``report.html``; a comparison
folder holds ``scenarios/<name>.yaml`` per scenario, ``timeseries.parquet``,
``summary.csv``, ``differences.csv`` and ``report.html``.
:func:`rebuild_report` writes ``report.html`` again from the other files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import UserError, clip, display
from .fileio import atomic_write_text
from .statistics import paired_differences, replication_seeds, run_replications, summarize

PARTIAL_PREFIX = ".partial-"
"""Start of the name of a results folder still being written."""
GIT_TIMEOUT_SECONDS = 5
"""How long provenance waits for ``git`` before recording the commit as unknown."""
FOLDER_MODE = 0o755
"""Results folders are meant to be shared: readable by everyone, writable by their owner."""
MAX_NAME_TRIES = 1000
"""Most ``-2``, ``-3``... suffixes tried for a results folder made in the same second."""
MAX_FOLDER_NAME = 100
"""Longest comparison folder name built from scenario names; longer ones are abbreviated."""


# ------------------------------------------------------------- provenance
def _git(here: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=here, capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS, check=True
    ).stdout.strip()


def git_commit() -> str:
    """The git commit of the source tree this package was imported from, or "unknown"."""
    here = Path(__file__).resolve().parent
    try:
        commit = _git(here, "rev-parse", "HEAD")
        dirty = _git(here, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}{' (with uncommitted changes)' if dirty else ''}" if commit else "unknown"


def provenance() -> dict[str, Any]:
    """What produced a result: package version, git commit, Python and Mesa versions, time, command."""
    import mesa
    import numpy as np
    import pandas as pd

    from . import __version__

    return {
        "package": "cocreate_sim",
        "package_version": __version__,
        "git_commit": git_commit(),
        "python_version": platform.python_version(),
        "mesa_version": getattr(mesa, "__version__", "unknown"),
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "platform": platform.platform(),
        "timestamp_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "",
    }


# -------------------------------------------------------- results folders
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


def _prepare(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"--out {display(out_dir)}: cannot create the results folder ({exc.strerror or exc})."
        ) from None
    if not os.access(out_dir, os.W_OK):
        raise UserError(f"--out {display(out_dir)}: the results folder is not writable; choose another with --out DIR.")
    remove_stale_partials(out_dir)


def _publish(work: Path, out_dir: Path, name: str) -> Path:
    """Rename ``work`` to ``out_dir/<name>-<timestamp>`` (``-2``, ``-3``... if taken); never overwrite."""
    stem = f"{name}-{timestamp()}"
    for k in range(1, MAX_NAME_TRIES):
        target = out_dir / (stem if k == 1 else f"{stem}-{k}")
        if target.exists():
            continue
        try:
            os.rename(work, target)  # fails rather than replacing an existing folder
        except OSError:
            if target.exists():
                continue
            raise
        return target
    raise UserError(f"{display(out_dir)}: could not find a free folder name for {stem}.")  # pragma: no cover


@contextlib.contextmanager
def publishing_dir(out_dir: str | Path, name: str) -> Iterator[tuple[Path, list[Path]]]:
    """Yield a hidden work folder and a one-item list that will hold the final folder's path.

    On success the work folder is renamed to ``out_dir/<name>-<timestamp>``
    (with ``-2``, ``-3``... if that exists: nothing is ever overwritten). On
    any exception, Ctrl-C included, the work folder is deleted.
    """
    out_dir = Path(out_dir)
    _prepare(out_dir)
    work = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{os.getpid()}-{name}-", dir=out_dir))
    work.chmod(FOLDER_MODE)
    final: list[Path] = []
    try:
        yield work, final
        final.append(_publish(work, out_dir, name))
    finally:
        if not final:
            shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------ experiments
def run_scenario(
    scenario: Any,
    out_dir: str | Path = "results",
    processes: int | None = None,
    progress: bool = True,
) -> tuple[Path, Any]:
    """Run a loaded scenario's replications and publish a new results folder; return it and the summary.

    The folder holds ``scenario.yaml`` (fully resolved, with provenance),
    ``timeseries.parquet``, ``summary.csv`` and ``report.html``.
    """
    from .reports import render_run
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


def compare_folder_name(names: Sequence[str]) -> str:
    """``compare-a-vs-b``; abbreviated to ``compare-a-vs-N-scenarios`` when too long."""
    folder = "compare-" + "-vs-".join(names)
    if len(folder) > MAX_FOLDER_NAME:
        folder = f"compare-{names[0]}-vs-{len(names) - 1}-scenarios"
    return folder


def compare_scenarios(
    scenarios: Sequence[Any],
    steps: int,
    replications: int,
    seed: int,
    out_dir: str | Path = "results",
    processes: int | None = None,
    progress: bool = True,
) -> tuple[Path, Any, Any]:
    """Run every scenario with the same seeds (common random numbers); publish one folder with one report.

    Differences are each scenario minus the first, paired by replication.
    Returns the folder, the summary and the differences.
    """
    from .reports import render_compare
    from .scenario import scenario_yaml

    names = unique_names([s.name for s in scenarios])
    seeds = replication_seeds(seed, replications)
    runs = [(n, s.params) for n, s in zip(names, scenarios, strict=True)]
    table = run_replications(runs, steps, seeds, processes, progress)
    summary = summarize(table)
    diffs = paired_differences(table, names[0])
    prov = provenance()
    named = dict(zip(names, scenarios, strict=True))
    with publishing_dir(out_dir, compare_folder_name(names)) as (work, final):
        (work / "scenarios").mkdir()
        for n, s in named.items():
            ran = dataclasses.replace(s, steps=steps, replications=replications, seed=seed)
            atomic_write_text(work / "scenarios" / f"{n}.yaml", scenario_yaml(ran, {**prov, "compared_as": n}))
        table.to_parquet(work / "timeseries.parquet", index=False)
        summary.to_csv(work / "summary.csv", index=False)
        diffs.to_csv(work / "differences.csv", index=False)
        descriptions = {n: s.description for n, s in named.items()}
        params = {n: s.params for n, s in named.items()}
        page = render_compare(names, descriptions, params, table, summary, diffs, prov)
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


# -------------------------------------------------------- rebuilt reports
RUN_FILES = ("scenario.yaml", "timeseries.parquet", "summary.csv")
"""What a run folder holds besides report.html."""
COMPARE_FILES = ("scenarios/*.yaml", "timeseries.parquet", "summary.csv", "differences.csv")
"""What a comparison folder holds besides report.html."""
SUMMARY_COLUMNS = ("outcome", "mean", "ci95_low", "ci95_high")
"""Columns of summary.csv a report reads."""
DIFFERENCE_NUMBERS = ("reference_mean", "scenario_mean", "difference", "ci95_low", "ci95_high")
"""Columns of differences.csv that hold numbers."""
DIFFERENCE_COLUMNS = ("scenario", "reference", "outcome", *DIFFERENCE_NUMBERS)
"""Columns of differences.csv a report reads."""
SHOWN_MISSING = 3
"""Most missing outcomes named in an error about summary.csv."""


def _damaged(path: Path, what: str) -> UserError:
    return UserError(
        f"{display(path)}: {what}. This file is written by 'python3 run.py' or 'python3 run.py compare'; "
        "run the scenario again to get a complete results folder."
    )


def _read_frame(path: Path, needed: Sequence[str]) -> Any:
    """A parquet or CSV file as a DataFrame with the ``needed`` numeric or text columns, or a UserError."""
    import pandas as pd

    if not path.is_file():
        raise _damaged(path, "the file is missing")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow and pandas raise many kinds for a damaged file
        raise _damaged(path, f"the file cannot be read ({type(exc).__name__}: {clip(str(exc))})") from None
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise _damaged(path, f"the column(s) {', '.join(missing)} are missing")
    if frame.empty:
        raise _damaged(path, "the file has no rows")
    return frame


def _check_numbers(path: Path, frame: Any, columns: Sequence[str]) -> None:
    import pandas as pd

    wrong = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if wrong:
        raise _damaged(path, f"the column(s) {', '.join(wrong)} do not hold numbers")


def _scenario_file(path: Path) -> tuple[Any, dict[str, Any]]:
    """The scenario of a results folder and the provenance recorded with it."""
    from .scenario import load_scenario
    from .yamlio import load_mapping

    if not path.is_file():
        raise _damaged(path, "the file is missing")
    scenario = load_scenario(path)
    prov = load_mapping(path, "results scenario file")[0].get("provenance")
    prov = dict(prov) if isinstance(prov, dict) else {}
    if scenario.description == f"Resolved from {prov.get('source')}":
        scenario.description = ""  # written in place of an empty description
    return scenario, prov


def _read_table(folder: Path, names_column: bool) -> tuple[Any, Any]:
    from .metrics import COLUMN_NAMES

    table_path, summary_path = folder / "timeseries.parquet", folder / "summary.csv"
    needed = ["scenario"] * names_column + ["replication", "seed", "week", *COLUMN_NAMES]
    table = _read_frame(table_path, needed)
    _check_numbers(table_path, table, needed[names_column:])
    summary = _read_frame(summary_path, ["scenario"] * names_column + list(SUMMARY_COLUMNS))
    _check_numbers(summary_path, summary, SUMMARY_COLUMNS[1:])
    groups = summary.groupby("scenario", sort=False)["outcome"] if names_column else [("", summary["outcome"])]
    for scenario, outcomes in groups:
        absent = sorted(set(COLUMN_NAMES) - set(outcomes))
        if absent:
            where = f" of scenario {scenario}" if scenario else ""
            shown = ", ".join(absent[:SHOWN_MISSING]) + (", ..." if len(absent) > SHOWN_MISSING else "")
            raise _damaged(summary_path, f"the outcome(s) {shown}{where} are missing")
    return table, summary


def _read_run(folder: Path) -> dict[str, Any]:
    scenario, prov = _scenario_file(folder / "scenario.yaml")
    table, summary = _read_table(folder, names_column=False)
    table.insert(0, "scenario", scenario.name)
    summary.insert(0, "scenario", scenario.name)
    return {
        "scenario_name": scenario.name,
        "description": scenario.description,
        "params": scenario.params,
        "table": table,
        "summary": summary,
        "provenance": prov,
    }


def _read_compare(folder: Path) -> dict[str, Any]:
    table, summary = _read_table(folder, names_column=True)
    diffs_path = folder / "differences.csv"
    diffs = _read_frame(diffs_path, DIFFERENCE_COLUMNS)
    _check_numbers(diffs_path, diffs, DIFFERENCE_NUMBERS)
    names = [str(n) for n in table["scenario"].unique()]
    descriptions, params, prov = {}, {}, {}
    for n in names:
        scenario, prov = _scenario_file(folder / "scenarios" / f"{n}.yaml")
        descriptions[n], params[n] = scenario.description, scenario.params
    for key in ("compared_as", "source", "extends_chain", "overrides"):
        prov.pop(key, None)
    stray = sorted({str(s) for s in summary["scenario"]} - set(names))
    if stray:
        raise _damaged(folder / "summary.csv", f"scenario {stray[0]} is not in timeseries.parquet")
    return {
        "names": names,
        "descriptions": descriptions,
        "params": params,
        "table": table,
        "summary": summary,
        "diffs": diffs,
        "provenance": prov,
    }


def read_results(folder: Path) -> tuple[str, dict[str, Any]]:
    """``("run" | "compare", arguments of render_run or render_compare)`` read from a results folder."""
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "no such folder"
        raise UserError(
            f"{display(folder)}: {what}. Give a results folder, e.g. 'python3 run.py report results/NAME-TIMESTAMP'."
        )
    if (folder / "scenario.yaml").exists():
        return "run", _read_run(folder)
    if (folder / "differences.csv").exists() or (folder / "scenarios").is_dir():
        return "compare", _read_compare(folder)
    raise UserError(
        f"{display(folder)}: not a results folder. A run folder holds {', '.join(RUN_FILES)}; a comparison "
        f"folder holds {', '.join(COMPARE_FILES)} (both written by 'python3 run.py' into results/)."
    )


def rebuild_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` again from a results folder's files (or to ``out``); return the file written.

    Raises UserError naming the folder or file when the folder is missing,
    is not a results folder, or holds a missing or damaged file.
    """
    from .reports import render_compare, render_run

    folder = Path(folder)
    kind, page_args = read_results(folder)
    page = render_run(**page_args) if kind == "run" else render_compare(**page_args)
    target = Path(out) if out is not None else folder / "report.html"
    try:
        atomic_write_text(target, page)
    except OSError as exc:
        raise UserError(f"{display(target)}: cannot write the report ({exc.strerror or exc}).") from None
    return target
