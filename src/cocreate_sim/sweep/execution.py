"""Running a sweep: chunks of runs on the one executor, each finished chunk stored at once.

Every run's seed derives from the base seed and its run id alone
(:func:`~cocreate_sim.sweep.design.run_seed`), so the stored rows do not depend
on the executor, the number of workers or the order in which chunks finish.
A sweep of fewer than ``limits.IN_PROCESS_RUNS`` runs to do, or with one
worker, runs in this process; a larger one on an embedded Dask LocalCluster,
or on the Dask scheduler given as ``cluster``.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..executor import Executor, WorkerLost, make_executor
from ..limits import IN_PROCESS_RUNS
from .design import Sweep, build_manifest, model_code_hash, run_seed
from .store import SweepStore

TASKS_PER_WORKER = 20
"""Chunks per worker slot by default: few enough that scheduling is noise, enough to balance the tail."""
MAX_CHUNK_RUNS = 100
"""Most runs in one default chunk (one Parquet file)."""


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
        missing = [i for i in range(n_runs) if i not in done]
        run_seconds = 0.0
        if missing:
            executor = make_executor(
                len(missing), workers, cluster, dask=True, in_process_below=in_process_below, check_code=model_code_hash
            )
            with executor:
                run_seconds = _execute(executor, store, manifest, missing, len(done), chunk_size, progress, log)
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
    executor: Executor,
    store: SweepStore,
    manifest: dict[str, Any],
    missing: list[int],
    n_done: int,
    chunk_size: int | None,
    progress: bool,
    log: Any,
) -> float:
    """Run the missing runs in chunks on ``executor``, storing each chunk as it finishes; the seconds it took."""
    size = chunk_size or default_chunk_size(len(missing), executor.workers)
    horizon = manifest["sweep"]["horizon"]
    chunks = [missing[start : start + size] for start in range(0, len(missing), size)]
    print(
        f"sweep '{manifest['name']}': {len(missing)} of {manifest['n_runs']} runs to do "
        f"({n_done} already stored) {executor.where}, {len(chunks)} chunks of <= {size} runs -> {store.root}",
        file=log,
    )
    started = time.perf_counter()
    # Specs are built per chunk as tasks are made; a task is small (ids, seeds, parameters).
    tasks = [(run_specs(manifest, ids), horizon) for ids in chunks]
    results = executor.map_unordered(
        run_chunk_task,
        tasks,
        progress=progress,
        desc="runs",
        weight=len,
        initial=n_done,
        total=manifest["n_runs"],
        describe=lambda i, task: f"the chunk of runs {chunks[i][0]}-{chunks[i][-1]}",
    )
    try:
        for _index, rows in results:
            store.write_chunk(rows)
    except WorkerLost as exc:
        raise UserError(
            f"{exc} The finished chunks are stored in '{store.root}'; give the workers more memory or use a "
            "smaller --chunk-size, then run the same command again to resume."
        ) from None
    return time.perf_counter() - started
