"""Running a sweep: chunks of runs on the one executor, each finished chunk stored at once.

Every run's seed derives from the base seed and its run id alone
(:func:`~cocreate_sim.sweep.design.run_seed`), so the stored rows do not depend
on the executor, the number of workers or the order in which chunks finish.
A sweep of fewer than ``limits.IN_PROCESS_RUNS`` runs to do, or with one
worker, runs in this process; a larger one on an embedded Dask LocalCluster,
or on the Dask scheduler given as ``cluster``.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..executor import Executor, WorkerLost, make_executor
from ..limits import IN_PROCESS_RUNS
from .design import Design, Sweep, build_manifest, model_code_hash, run_seed
from .store import SweepStore

TASKS_PER_WORKER = 20
"""Chunks per worker slot by default: few enough that scheduling is noise, enough to balance the tail."""
MAX_CHUNK_RUNS = 100
"""Most runs in one default chunk (one Parquet file)."""
WAVE_TASKS_PER_WORKER = 100
"""Chunks handed to the executor at once, per worker slot: a worker idles at a wave's end for under 1% of it."""
MIN_WAVE_TASKS_PER_WORKER = 2
"""Chunks handed over at once per worker slot at the least, so that no worker waits for the next wave."""
MAX_WAVE_RUNS = 50_000
"""Most runs handed to the executor at once (unless the workers need more): their specs take tens of megabytes."""


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
    return max(1, min(MAX_CHUNK_RUNS, math.ceil(n_missing / max(1, n_workers * TASKS_PER_WORKER))))


def run_specs(manifest: dict[str, Any], run_ids: list[int]) -> list[dict[str, Any]]:
    """The full description of each run: ids, seed and every parameter (base values with the point's).

    The design points are made here, for these runs only, from the design's definition.
    """
    base = manifest["sweep"]["params"]
    reps, seed = manifest["sweep"]["replications"], manifest["sweep"]["seed"]
    if not run_ids:
        return []
    design = Design.of(manifest)
    first, last = min(run_ids) // reps, max(run_ids) // reps
    points = design.points(first, last + 1)
    out = []
    for run_id in run_ids:
        point = run_id // reps
        params = {**base, **points[point - first]}
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
    """Run a chunk of runs; one row per run (ids, seed, every parameter, every final outcome)."""
    from ..runner import run_model

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


def run_chunk_task(task: tuple[list[dict[str, Any]], int]) -> list[dict[str, Any]]:
    """:func:`run_chunk` on one ``(runs, horizon)`` task, as the executor calls it."""
    runs, horizon = task
    return run_chunk(runs, horizon)


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    workers: int | None = None,
    cluster: str | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    analyse: bool = True,
    log: Any = None,
    in_process_below: int = IN_PROCESS_RUNS,
) -> SweepResult:
    """Run every run of ``sweep`` not yet in ``out`` and store each finished chunk at once.

    Safe to call again on the same folder after any interruption: finished
    runs are skipped, nothing is duplicated. ``cluster`` is the address of a
    running Dask scheduler; without it, fewer than ``in_process_below`` runs to
    do (or ``workers=1``) run in this process, more on an embedded Dask
    LocalCluster with ``workers`` processes (default: every core).
    """
    log = log or sys.stderr
    out = Path(out)
    started = time.perf_counter()
    store = SweepStore.open(out, build_manifest(sweep))
    try:
        manifest = store.manifest
        done = store.finished_run_ids()
        for warning in store.warnings:
            print(f"warning: {warning}", file=log)
        n_runs = manifest["n_runs"]
        n_missing = n_runs - len(done)
        run_seconds = 0.0
        if n_missing:
            executor = make_executor(
                n_missing, workers, cluster, dask=True, in_process_below=in_process_below, check_code=model_code_hash
            )
            with executor:
                run_seconds = _execute(executor, store, manifest, done, chunk_size, progress, log)
        else:
            print(f"all {n_runs} runs of '{manifest['name']}' are already in '{out}'; nothing to run.", file=log)
        final = store.finished_run_ids()
        if len(final) != n_runs:  # pragma: no cover - would be a bug in the engine, never silently accepted
            raise RuntimeError(f"sweep ended with {len(final)} of {n_runs} runs stored in '{out}'")
    finally:
        store.close()
    result = SweepResult(out, n_runs, len(done), n_missing, time.perf_counter() - started, run_seconds, store.warnings)
    if analyse:
        from .analysis import analyse as analyse_folder

        written = analyse_folder(out)
        print("wrote " + ", ".join(str(p) for p in written), file=log)
    return result


def _missing_chunks(n_runs: int, done: set[int], size: int) -> Iterator[list[int]]:
    """The run ids not in ``done``, in order, in lists of ``size``: made as they are needed, never all at once."""
    chunk: list[int] = []
    for run_id in range(n_runs):
        if run_id not in done:
            chunk.append(run_id)
            if len(chunk) == size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def wave_size(workers: int, chunk_size: int) -> int:
    """Chunks handed to the executor at once: enough to keep every worker busy, few enough to bound memory."""
    return max(MIN_WAVE_TASKS_PER_WORKER * workers, min(workers * WAVE_TASKS_PER_WORKER, MAX_WAVE_RUNS // chunk_size))


def _execute(
    executor: Executor,
    store: SweepStore,
    manifest: dict[str, Any],
    done: set[int],
    chunk_size: int | None,
    progress: bool,
    log: Any,
) -> float:
    """Run the missing runs in chunks on ``executor``, storing each chunk as it finishes; the seconds it took.

    Chunks are handed over in waves of :func:`wave_size`, and a chunk's runs
    (design points, seeds, parameters) are made, and their design points
    checked, only when its wave is made: a million-run sweep never holds a
    million run descriptions.
    """
    n_runs, n_done = manifest["n_runs"], len(done)
    n_missing = n_runs - n_done
    size = chunk_size or default_chunk_size(n_missing, executor.workers)
    horizon = manifest["sweep"]["horizon"]
    design, where = Design.of(manifest), manifest.get("sweep_file") or f"sweep '{manifest['name']}'"
    reps, params = manifest["sweep"]["replications"], manifest["sweep"]["params"]
    print(
        f"sweep '{manifest['name']}': {n_missing} of {n_runs} runs to do "
        f"({n_done} already stored) {executor.where}, {math.ceil(n_missing / size)} chunks of <= {size} runs "
        f"-> {store.root}",
        file=log,
    )
    started = time.perf_counter()
    chunks = _missing_chunks(n_runs, done, size)
    per_wave = wave_size(executor.workers, size)
    try:
        while wave := list(itertools.islice(chunks, per_wave)):
            tasks = []
            for ids in wave:
                design.check(params, ids[0] // reps, ids[-1] // reps + 1, where)
                tasks.append((run_specs(manifest, ids), horizon))
            results = executor.map_unordered(
                run_chunk_task,
                tasks,
                progress=progress,
                desc="runs",
                weight=len,
                initial=n_done,
                total=n_runs,
                describe=lambda i, task, wave=wave: f"the chunk of runs {wave[i][0]}-{wave[i][-1]}",
            )
            for _index, rows in results:
                store.write_chunk(rows)
                n_done += len(rows)
    except WorkerLost as exc:
        raise UserError(
            f"{exc} The finished chunks are stored in '{store.root}'; give the workers more memory or use a "
            "smaller --chunk-size, then run the same command again to resume."
        ) from None
    return time.perf_counter() - started
