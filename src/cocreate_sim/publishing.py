"""Results on disk: provenance, atomic results folders, runs, comparisons and rebuilt reports.

Results appear atomically: everything is written into a hidden
``.partial-<pid>-...`` folder inside the output folder and renamed into place
(``os.rename``) only when complete, so an interrupted run (Ctrl-C, kill)
never leaves a half-written results folder. A process removes only what it
created itself, by its exact path: a folder of anyone else is never touched.
Before renaming, ``checksums.json`` records the SHA-256 of every file but
``report.html`` (which ``report`` rebuilds); every command that reads a
results folder verifies it (:func:`.published.read_results`).

The output folder (``--out``) is checked before anything runs
(:func:`prepare_out_dir`): never a system folder, always writable.

A run or comparison keeps each finished replication in a checkpoint folder
``.checkpoint-<fingerprint>/`` of the output folder as soon as it finishes
(:class:`Checkpoint`): one atomically written Parquet file per replication,
its checksum in its name. The fingerprint covers the runs (names, every
lever and the lever schedule), the horizon, the seeds and the code, so ``--resume`` reuses only
replications of the very same command; the checkpoint is removed once the
results folder is published.

A run folder holds ``scenario.yaml`` (fully resolved, with provenance),
``timeseries.parquet``, ``summary.csv``, ``report.html``,
``checksums.json`` and, when it drew its constants from the posterior,
``draws.csv``; a comparison folder holds ``scenarios/<name>.yaml`` per
scenario, ``timeseries.parquet``, ``summary.csv``, ``differences.csv``,
``report.html`` and ``checksums.json``. :func:`.published.rebuild_report`
writes ``report.html`` again from the other files.
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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .checkpoints import CHECKPOINT_PREFIX, Checkpoint
from .errors import UserError, display
from .fileio import atomic_write_text, write_checksums
from .i18n import DEFAULT_LANGUAGE
from .statistics import paired_differences, replication_seeds, run_replications, summarize

Notify = Callable[[str], None]
"""Where a function sends notes for the user (the command line prints them on stderr)."""

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
UNCHECKED = ("report.html",)
"""Files of a results folder that checksums.json does not cover (``report`` rebuilds report.html)."""
SYSTEM_FOLDERS = tuple(
    "/bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /run /sbin /sys /usr/bin /usr/include /usr/lib "
    "/usr/lib32 /usr/lib64 /usr/libexec /usr/sbin /usr/share /usr/local/bin /usr/local/etc /usr/local/include "
    "/usr/local/lib /usr/local/sbin /usr/local/share /var/lib /var/log /var/cache /var/spool /var/mail /System "
    "/Library".split()
)
"""Folders of the operating system: results never go in them or anywhere below them."""
SHARED_ROOTS = ("/", "/home", "/media", "/mnt", "/opt", "/srv", "/usr", "/usr/local", "/var", "/Users", "/Volumes")
"""Top-level folders shared by everyone: results may go in a folder below them, never directly in them."""
DRAWS_FILE = "draws.csv"
"""The posterior draws a run or comparison ran, one row per replication (only when it drew from a posterior)."""
REGIME_FILE = "regime.csv"
"""The regime diagram's table in a run folder made with ``--regime LEVER`` (what was run: the provenance)."""
CONCLUSIONS_FILE = "robust_conclusions.csv"
"""The robust-conclusions table of the posterior drawn from, copied into the folder so that its report can be
rebuilt from the folder alone (only when that posterior has one: ``run.py robust --attach``)."""


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


def provenance(posterior: Any = None) -> dict[str, Any]:
    """What produced a result: package version, git commit, Python and Mesa versions, time, command.

    With ``posterior`` (:class:`~cocreate_sim.posterior.PosteriorDraws`), also the posterior drawn from.
    """
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
        **({"posterior": posterior.provenance()} if posterior is not None else {}),
    }


# -------------------------------------------------------- results folders
def timestamp() -> str:
    """UTC timestamp for folder names, e.g. 20261122-171530."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")


def _system_folders() -> list[Path]:
    """The operating system's folders and this Python's installation: never a place for results."""
    folders = [Path(f) for f in SYSTEM_FOLDERS]
    shared = {Path(r) for r in SHARED_ROOTS} | {Path.home()}
    here = Path.cwd().resolve()
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        path = Path(prefix).resolve()
        if path not in shared and path not in here.parents and path != here:
            folders.append(path)
    return folders


def _is_within(path: Path, folder: Path) -> bool:
    for candidate in {folder, folder.resolve()}:
        if path == candidate or candidate in path.parents:
            return True
    return False


def prepare_out_dir(out_dir: str | Path, option: str = "--out") -> Path:
    """Check and create the output folder before anything runs; return it.

    Refused, as a UserError naming ``option``: a system folder (or anything
    below one), a shared top-level folder such as ``/`` or ``/home`` itself,
    a path that is a file, and a folder this process cannot write in (found
    by writing and removing a small file there).
    """
    if not str(out_dir).strip():
        raise UserError(f"{option} is empty: give a folder for the results, e.g. {option} results (the default).")
    out_dir = Path(out_dir).expanduser()
    shown = display(out_dir)
    try:
        resolved = out_dir.resolve()
        is_file = out_dir.exists() and not out_dir.is_dir()
    except (OSError, RuntimeError) as exc:  # a name too long, a link that loops, a folder we may not look in
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UserError(
            f"{option} {shown}: cannot use this path ({reason}). Give a folder you can write in, with no part "
            f"longer than 255 characters, e.g. {option} results (the default)."
        ) from None
    system = next((f for f in _system_folders() if _is_within(resolved, f)), None)
    if system is not None or resolved in {Path(r) for r in SHARED_ROOTS}:
        where = f"inside the system folder {system}" if system is not None else f"directly into {resolved}"
        raise UserError(
            f"{option} {shown}: results are never written {where}. Give a folder of your own, e.g. "
            f"{option} results (the default) or {option} ~/cocreate-results."
        )
    if is_file:
        raise UserError(f"{option} {shown}: this is a file, not a folder; give a folder for the results.")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError(
            f"{option} {shown}: cannot write results there ({exc.strerror or exc}). Give a folder you can "
            f"write in, e.g. {option} results (the default)."
        ) from None
    return out_dir


def folder_stem(name: str) -> str:
    """A results folder's name for ``name``: never hidden (no leading '.'), so never taken for a temporary."""
    return name.lstrip(".") or "results"


def _publish(work: Path, out_dir: Path, name: str) -> Path:
    """Rename ``work`` to ``out_dir/<name>-<timestamp>`` (``-2``, ``-3``... if taken); never overwrite."""
    stem = f"{folder_stem(name)}-{timestamp()}"
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

    The output folder is checked first (:func:`prepare_out_dir`). On success
    ``checksums.json`` is written and the work folder is renamed to
    ``out_dir/<name>-<timestamp>`` (with ``-2``, ``-3``... if that exists:
    nothing is ever overwritten). On any exception, Ctrl-C included, the work
    folder, and only it, is deleted.
    """
    out_dir = prepare_out_dir(out_dir)
    work = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{os.getpid()}-{folder_stem(name)}-", dir=out_dir))
    final: list[Path] = []
    try:
        work.chmod(FOLDER_MODE)
        yield work, final
        write_checksums(work, UNCHECKED)
        final.append(_publish(work, out_dir, name))
    finally:
        if not final:
            shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------ checkpoints
def _note(notify: Notify | None, text: str) -> None:
    if notify is not None:
        notify(text)


@contextlib.contextmanager
def kept_replications(
    out_dir: Path,
    runs: Sequence[tuple[str, Any]],
    steps: int,
    seeds: Sequence[int],
    processes: int | None,
    progress: bool,
    resume: bool,
    notify: Notify | None,
    constants: Sequence[Any] | None = None,
) -> Iterator[Any]:
    """Run the replications, keeping each as it finishes; yield the table; remove the kept files afterwards.

    With ``resume`` the verified replications of the very same command are
    reused and only the others run. The checkpoint is removed when the body
    (publishing) succeeds and kept when anything fails or is interrupted.
    """
    checkpoint = Checkpoint(out_dir, runs, steps, seeds, constants)
    usable = checkpoint.open()
    try:
        done: dict[tuple[str, int], Any] = {}
        where = display(checkpoint.folder)
        if not usable:
            if resume:
                raise UserError(
                    f"--resume: another process is running this same command into {display(out_dir)} right now "
                    f"({where}/ is in use). Wait for it to finish, or stop it and run this command again."
                )
            _note(
                notify,
                f"note: another process is running this same command into {display(out_dir)}; "
                "this run keeps no checkpoint.",
            )
        elif resume:
            done = checkpoint.load()
            others = len([p for p in out_dir.glob(f"{CHECKPOINT_PREFIX}*") if p != checkpoint.folder])
            if done:
                _note(
                    notify,
                    f"resuming: reusing {len(done)} of {checkpoint.total} replications kept in "
                    f"{where}/; running the other {checkpoint.total - len(done)}.",
                )
            else:
                mismatch = (
                    f" ({others} other checkpoint(s) there, of other scenarios, settings or code versions, are "
                    "left alone: they are never mixed in)"
                    if others
                    else ""
                )
                _note(
                    notify,
                    f"resuming: no finished replications of this same command (scenario, levers, "
                    f"horizon, seeds, code version) in {display(out_dir)}{mismatch}; running all "
                    f"{checkpoint.total}.",
                )
        elif checkpoint.files():
            _note(
                notify,
                f"note: {where}/ holds {len(checkpoint.files())} replication(s) of this same command "
                "from an interrupted run; this run starts afresh (add --resume to reuse them).",
            )
        try:
            yield run_replications(
                runs,
                steps,
                seeds,
                processes,
                progress,
                done=done,
                on_done=checkpoint.save if usable else None,
                constants=constants,
            )
        except BaseException:  # interrupted or failed, while running or publishing: say what is kept
            kept = len(checkpoint.files()) if usable else 0
            if kept:
                _note(
                    notify,
                    f"kept: {kept} of {checkpoint.total} replications finished and are kept in {where}/; "
                    "run the same command with --resume to run only the others.",
                )
            raise
        checkpoint.remove()
    finally:
        checkpoint.close()


# ------------------------------------------------------------ experiments
def run_scenario(
    scenario: Any,
    out_dir: str | Path = "results",
    processes: int | None = None,
    progress: bool = True,
    *,
    resume: bool = False,
    notify: Notify | None = None,
    lang: str = DEFAULT_LANGUAGE,
    posterior: Any = None,
    regime: tuple[Any, dict[str, Any]] | None = None,
) -> tuple[Path, Any]:
    """Run a loaded scenario's replications and publish a new results folder; return it and the summary.

    The folder holds ``scenario.yaml`` (fully resolved, with provenance),
    ``timeseries.parquet``, ``summary.csv``, ``report.html`` (in ``lang``) and
    ``checksums.json``. ``out_dir`` is checked before anything runs; finished
    replications are kept as they finish and, with ``resume``, those of an
    interrupted run of the same command are reused (:func:`kept_replications`).
    With ``posterior`` (:class:`~cocreate_sim.posterior.PosteriorDraws`) each
    draw of constants runs on its own seeds instead of ``scenario.replications``
    seeds of the declared constants, and the folder also holds ``draws.csv``.
    ``regime``: a regime diagram's table and what was run (``run.py --regime LEVER``), kept as
    :data:`REGIME_FILE` and in the provenance, and drawn in the report.
    """
    from .reports import render_run
    from .scenario import scenario_yaml

    out_dir = prepare_out_dir(out_dir)
    if posterior is not None:
        scenario = dataclasses.replace(scenario, replications=posterior.replications)
    seeds = replication_seeds(scenario.seed, scenario.replications)
    runs = [(scenario.name, scenario.params, scenario.schedule)]
    constants = _drawn(posterior)
    with kept_replications(
        out_dir, runs, scenario.steps, seeds, processes, progress, resume, notify, constants
    ) as table:
        summary = summarize(table, predictive=posterior is not None)
        prov = {**provenance(posterior), "source": scenario.resolved.get("source", str(scenario.path))}
        if regime is not None:
            prov["regime"] = regime[1]
        with publishing_dir(out_dir, scenario.name) as (work, final):
            atomic_write_text(work / "scenario.yaml", scenario_yaml(scenario, prov))
            conclusions = _write_draws(work, posterior)
            if regime is not None:
                atomic_write_text(work / REGIME_FILE, regime[0].to_csv(index=False))
            table.drop(columns="scenario").to_parquet(work / "timeseries.parquet", index=False)
            summary.drop(columns="scenario").to_csv(work / "summary.csv", index=False)
            page = render_run(
                scenario.name,
                scenario.description,
                scenario.params,
                table,
                summary,
                prov,
                scenario.schedule,
                lang,
                conclusions,
                regime[0] if regime is not None else None,
            )
            atomic_write_text(work / "report.html", page)
    return final[0], summary


def _drawn(posterior: Any) -> list[Any] | None:
    """Each replication's constants drawn from ``posterior``, or None for the point model."""
    return None if posterior is None else posterior.constants_by_replication()


def _write_draws(work: Path, posterior: Any) -> Any:
    """``draws.csv`` (which draw, with which constants, each replication ran) and the posterior's
    robust-conclusions table (:data:`CONCLUSIONS_FILE`); returns that table, or None (none made, or the point model).
    """
    if posterior is None:
        return None
    atomic_write_text(work / DRAWS_FILE, posterior.table().to_csv(index=False))
    conclusions, _status = posterior.conclusions()
    if conclusions is not None:
        atomic_write_text(work / CONCLUSIONS_FILE, conclusions.to_csv(index=False))
    return conclusions


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
    *,
    resume: bool = False,
    notify: Notify | None = None,
    lang: str = DEFAULT_LANGUAGE,
    posterior: Any = None,
) -> tuple[Path, Any, Any]:
    """Run every scenario with the same seeds (common random numbers); publish one folder with one report.

    Differences are each scenario minus the first, paired by replication.
    Returns the folder, the summary and the differences. ``out_dir``,
    ``resume``, ``notify``, ``lang`` (the report's language) and ``posterior``
    as for :func:`run_scenario`; with ``posterior`` every scenario runs the same
    draws on the same seeds (common draws and common random numbers), and
    ``replications`` is ignored.
    """
    from .reports import render_compare
    from .scenario import scenario_yaml

    late = [(s, week) for s in scenarios for week, _ in s.schedule if week > steps]
    if late:
        raise UserError(
            f"{display(late[0][0].path)}: its schedule changes levers at week {late[0][1]}, beyond the comparison's "
            f"horizon of {steps} weeks; give --steps {max(w for _, w in late)} or more, or move the change earlier."
        )
    out_dir = prepare_out_dir(out_dir)
    names = unique_names([s.name for s in scenarios])
    if posterior is not None:
        replications = posterior.replications
    seeds = replication_seeds(seed, replications)
    runs = [(n, s.params, s.schedule) for n, s in zip(names, scenarios, strict=True)]
    constants = _drawn(posterior)
    with kept_replications(out_dir, runs, steps, seeds, processes, progress, resume, notify, constants) as table:
        summary = summarize(table, predictive=posterior is not None)
        diffs = paired_differences(table, names[0], per_draw=posterior.seeds_per_draw if posterior else None)
        prov = provenance(posterior)
        named = dict(zip(names, scenarios, strict=True))
        with publishing_dir(out_dir, compare_folder_name(names)) as (work, final):
            (work / "scenarios").mkdir()
            for n, s in named.items():
                ran = dataclasses.replace(s, steps=steps, replications=replications, seed=seed)
                atomic_write_text(work / "scenarios" / f"{n}.yaml", scenario_yaml(ran, {**prov, "compared_as": n}))
            conclusions = _write_draws(work, posterior)
            table.to_parquet(work / "timeseries.parquet", index=False)
            summary.to_csv(work / "summary.csv", index=False)
            diffs.to_csv(work / "differences.csv", index=False)
            descriptions = {n: s.description for n, s in named.items()}
            params = {n: s.params for n, s in named.items()}
            schedules = {n: s.schedule for n, s in named.items()}
            page = render_compare(
                names, descriptions, params, table, summary, diffs, prov, schedules, lang, conclusions
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
