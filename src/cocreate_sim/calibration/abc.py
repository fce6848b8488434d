"""ABC-SMC calibration with pyabc: a posterior of the fitted constants, resumable, with its misfit.

Priors are uniform on each fitted constant's plausible range. Every particle
runs on a fresh seed (stored with it). The distance is the largest over the
fit targets, in tolerances (:mod:`.targets`), so epsilon 1 means every fit
target within tolerance; the epsilon schedule is pyabc's median of the last
generation's distances. Simulations run on Dask through pyabc's Dask sampler
(the project's embedded local cluster, or ``--cluster``), or in this process
with one worker.

The run goes one generation at a time: each generation starts by loading
pyabc's history database, so a killed run resumes exactly as a finished
generation continues, and after each generation the posterior, misfit and
provenance in the output folder are rewritten (atomically): a run killed at
any moment keeps every generation it finished.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..constants import CONSTANTS, table_digest
from ..errors import UserError, display
from ..executor import DaskExecutor
from ..fileio import atomic_write_bytes, atomic_write_text
from ..posterior import METADATA_KEY, weighted_quantiles
from . import DEFAULT_BUDGET, DEFAULT_POPULATION
from .simulate import SEED_KEY, fresh_seed, simulate
from .targets import Target, TargetSet

HISTORY = "history.db"
POSTERIOR = "posterior.parquet"
RESOLVED = "targets.resolved.json"
PROVENANCE = "provenance.json"
MISFIT = "misfit.csv"
ABC_ID = 1
"""pyabc's id of the one calibration a history database holds."""
TARGET_EPSILON = 1.0
"""Every fit target within its tolerance."""


_STOP = threading.Event()
"""Set by Ctrl-C during a calibration and acted on at safe points, in this package's own code: before every
particle and after every generation. A KeyboardInterrupt raised at an arbitrary point inside pyabc or SQLAlchemy
can leave a database lock held (the run then hangs in pyabc's cleanup) or be dropped (the run goes on to its
budget); both were seen. A second Ctrl-C raises at once."""


def _stop_requested(signum: int, frame: Any) -> None:
    if _STOP.is_set():
        raise KeyboardInterrupt
    _STOP.set()
    print(
        "\nstopping at the next particle (on Dask: when this generation ends); Ctrl-C again stops at once ...",
        file=sys.stderr,
        flush=True,
    )


def _check_stop() -> None:
    if _STOP.is_set():
        raise KeyboardInterrupt


class _CtrlC:
    """Within a calibration, Ctrl-C both raises at once and is remembered (:data:`_STOP`)."""

    def __enter__(self) -> None:
        _STOP.clear()
        try:
            self.previous = signal.signal(signal.SIGINT, _stop_requested)
        except ValueError:  # not the main thread: Ctrl-C reaches the main thread's own handler
            self.previous = None

    def __exit__(self, *exc: Any) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


class ParticleModel:
    """pyabc's model: the fit targets' statistics for one particle, on a fresh seed."""

    def __init__(self, targets: Sequence[Target]):
        self.targets = list(targets)

    def __call__(self, parameters: Any) -> dict[str, float]:
        _check_stop()  # a stop that pyabc or SQLAlchemy swallowed is raised again here, in our own code
        seed = fresh_seed()
        return {**simulate(dict(parameters), seed, self.targets), SEED_KEY: float(seed)}


class TargetDistance:
    """pyabc's distance: the largest distance over the fit targets, in tolerances."""

    def __init__(self, targets: Sequence[Target]):
        self.targets = list(targets)

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        return max(t.distance(x.get(t.name, math.nan)) for t in self.targets)


@dataclass
class Generation:
    """What the progress line says after a generation."""

    t: int
    epsilon: float
    accepted: int
    samples: int
    ess: float
    simulations: int
    seconds: float

    def line(self, budget: int) -> str:
        rate = self.seconds / max(1, self.simulations)
        left = max(0, budget - self.simulations) * rate
        return (
            f"generation {self.t}: epsilon {self.epsilon:.3g}, acceptance {self.accepted / max(1, self.samples):.0%} "
            f"({self.accepted} of {self.samples}), effective sample size {self.ess:.0f}, simulations "
            f"{self.simulations:,} of {budget:,}, {self.seconds / 60:.1f} min so far, at most "
            f"{left / 60:.0f} min left"
        )


def prior(constants: Sequence[str]) -> Any:
    import pyabc

    return pyabc.Distribution(
        **{n: pyabc.RV("uniform", CONSTANTS[n].low, CONSTANTS[n].high - CONSTANTS[n].low) for n in constants}
    )


def _import_pyabc() -> Any:
    try:
        import pyabc
    except ImportError:
        raise UserError(
            "calibration needs the optional package 'pyabc', which is not installed. Install the [calibrate] "
            "extra from the project's folder: python3 -m pip install -e '.[calibrate]'"
        ) from None
    logging.getLogger("ABC").setLevel(logging.WARNING)  # our own progress line says what pyabc would log
    return pyabc


def _check_folder(out: Path, targets: TargetSet) -> bool:
    """True when ``out`` holds an unfinished or finished calibration of these same targets (resume)."""
    resolved = out / RESOLVED
    if not (out / HISTORY).exists():
        return False
    try:
        before = json.loads(resolved.read_text())
    except (OSError, ValueError):
        raise UserError(
            f"{display(out)} holds a pyabc history but no readable {RESOLVED}: it was not written by "
            "'run.py calibrate', or is damaged. Give another --out."
        ) from None
    if before.get("digest") != targets.digest() or before.get("table") != table_digest(targets.constants):
        raise UserError(
            f"{display(out)} holds a calibration of other targets or of another constants table "
            f"({before.get('name', '?')}); resuming it with {display(targets.path)} would mix the two. Give "
            "another --out, or rerun with the targets file it was started with."
        )
    _check_history(out / HISTORY)
    return True


def _check_history(db: Path) -> None:
    """A history to resume must be an SQLite database holding pyabc's run ABC_ID (read-only look, before pyabc)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as con:
            found = con.execute("SELECT count(*) FROM abc_smc WHERE id = ?", (ABC_ID,)).fetchone()[0]
    except (sqlite3.Error, OSError):
        found = 0
    if not found:
        raise UserError(
            f"{display(db)} is not a pyabc history that 'run.py calibrate' wrote (not an SQLite database, empty, "
            "or without its calibration run): it cannot be resumed. Give another --out, or delete the folder to "
            "start again."
        )


def _sampler(pyabc: Any, executor: DaskExecutor | None) -> Any:
    if executor is None:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.DaskDistributedSampler(dask_client=executor.client, batch_size=1)


def _latest(history: Any) -> Generation | None:
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    if pops.empty:
        return None
    last = pops.iloc[-1]
    _, weights = history.get_distribution(m=0, t=int(last["t"]))
    return Generation(
        t=int(last["t"]),
        epsilon=float(last["epsilon"]),
        accepted=int(last["particles"]),
        samples=int(last["samples"]),
        ess=float(effective_sample_size(weights)),
        simulations=int(history.total_nr_simulations),
        seconds=0.0,
    )


def calibrate(
    targets: TargetSet,
    out: Path,
    *,
    budget: int = DEFAULT_BUDGET,
    population: int = DEFAULT_POPULATION,
    workers: int | None = None,
    cluster: str | None = None,
    notify: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run (or resume) ABC-SMC until epsilon reaches 1 or ``budget`` simulations; write the outputs in ``out``."""
    pyabc = _import_pyabc()
    out.mkdir(parents=True, exist_ok=True)
    resume = _check_folder(out, targets)
    db = f"sqlite:///{(out / HISTORY).resolve()}"
    fit = targets.of("fit")
    observed = {t.name: (t.low + t.high) / 2 for t in fit}
    record = {
        "name": targets.name,
        "digest": targets.digest(),
        "table": table_digest(targets.constants),
        **targets.record(),
    }
    atomic_write_text(out / RESOLVED, json.dumps(record, indent=1, default=str))
    state = _read_state(out)
    use_dask = cluster is not None or workers != 1
    from ..posterior import model_code_hash

    executor = (
        DaskExecutor(workers=None if cluster else workers, cluster=cluster, check_code=model_code_hash)
        if use_dask
        else None
    )
    started = time.monotonic()
    with _CtrlC(), executor if executor is not None else _nothing():
        where = executor.where if executor is not None else "in this process"
        notify(
            f"calibrating {len(targets.constants)} constants to {len(fit)} fit targets, {population} particles "
            f"a generation, {where}; stops at epsilon 1 or {budget:,} simulations"
        )

        def make() -> Any:
            return pyabc.ABCSMC(
                ParticleModel(fit),
                prior(targets.constants),
                TargetDistance(fit),
                population_size=population,
                sampler=_sampler(pyabc, executor),
            )

        abc = make()
        if resume:
            history = pyabc.History(db, _id=ABC_ID)
            latest = _latest(history)
            notify(f"resuming {display(out)} after generation {latest.t if latest else '-'}")
        else:
            abc.new(db, observed)
            latest = None
        stop = _stop_reason(latest, budget)
        while stop is None:
            if latest is not None or resume:
                abc = make()
                abc.load(db, ABC_ID)
            history = _one_generation(abc, budget)
            _check_stop()
            latest = _latest(history)
            state["seconds"] = state.get("seconds_before", 0.0) + time.monotonic() - started
            latest.seconds = state["seconds"]
            notify(latest.line(budget))
            _write_outputs(pyabc, out, targets, db, latest, state, population, budget, None)
            stop = _stop_reason(latest, budget)
        state["seconds"] = state.get("seconds_before", 0.0) + time.monotonic() - started
        latest.seconds = state["seconds"]
    summary = _write_outputs(pyabc, out, targets, db, latest, state, population, budget, stop)
    notify(f"stopped: {stop}")
    return summary


def _one_generation(abc: Any, budget: int) -> Any:
    """Run one ABC-SMC generation; a stop (Ctrl-C, SIGTERM) stays a stop even when pyabc's cleanup fails on it.

    pyabc's ``run`` ends in ``finally: history.done()``. When the stop arrives while the history database is
    inside a transaction, that cleanup query raises SQLAlchemy's ``PendingRollbackError``, which would hide the
    stop behind a traceback. The database itself is safe: SQLite rolls the open transaction back and every
    finished generation stays, so the same command resumes.
    """
    try:
        return abc.run(max_nr_populations=1, minimum_epsilon=TARGET_EPSILON, max_total_nr_simulations=budget)
    except Exception as exc:
        stop = _stop_behind(exc)
        if stop is None:
            raise
        raise stop from None


def _stop_behind(exc: BaseException) -> BaseException | None:
    """The interrupt (a BaseException that is not an Exception) an error was raised while handling, if any."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if not isinstance(cause, Exception):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _read_state(out: Path) -> dict[str, Any]:
    try:
        before = json.loads((out / PROVENANCE).read_text())
    except (OSError, ValueError):
        before = {}
    return {"seconds_before": float(before.get("calibration", {}).get("wall_seconds", 0.0))}


def _stop_reason(latest: Generation | None, budget: int) -> str | None:
    if latest is None:
        return None
    if latest.epsilon <= TARGET_EPSILON:
        return f"epsilon {latest.epsilon:.3g}, at most 1: every fit target within its tolerance"
    if latest.simulations >= budget:
        return f"the budget of {budget:,} simulations is used (epsilon {latest.epsilon:.3g}, not yet 1)"
    return None


def misfit(targets: TargetSet, stats: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    """Per fit target: the posterior's weighted 5-50-95% of the statistic and the weighted share within tolerance."""
    rows = []
    for t in targets.of("fit"):
        values = stats[t.name].to_numpy(dtype=float)
        inside = np.array([t.distance(v) <= TARGET_EPSILON for v in values], dtype=float)
        ok = np.isfinite(values)
        q = weighted_quantiles(values[ok], weights[ok], (0.05, 0.5, 0.95)) if ok.any() else [math.nan] * 3
        rows.append(
            {
                "target": t.name,
                "statistic": t.statistic,
                "observed": t.observed_text(),
                "tolerance": t.scale,
                "q05": q[0],
                "median": q[1],
                "q95": q[2],
                "within_tolerance": float(np.sum(inside * weights)),
                "distance_of_median": t.distance(q[1]),
            }
        )
    return pd.DataFrame(rows)


def _write_outputs(
    pyabc: Any,
    out: Path,
    targets: TargetSet,
    db: str,
    latest: Generation,
    state: dict,
    population: int,
    budget: int,
    stop: str | None,
) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..posterior import model_code_hash
    from ..publishing import provenance

    history = pyabc.History(db, _id=ABC_ID)
    particles, weights = history.get_distribution(m=0, t=latest.t)
    stat_weights, stats = history.get_weighted_sum_stats(t=latest.t)
    stats_frame = pd.DataFrame(stats)
    table = misfit(targets, stats_frame, np.asarray(stat_weights, dtype=float))
    info = {
        **provenance(),
        "constants_table": table_digest(targets.constants),  # the fitted ones' declared values left out
        "model_code": model_code_hash(),
        "targets": {"name": targets.name, "file": display(targets.path), "digest": targets.digest()},
        "pyabc_version": pyabc.__version__,
        "calibration": {
            "constants": list(targets.constants),
            "population": population,
            "budget": budget,
            "generations": latest.t + 1,
            "simulations": latest.simulations,
            "epsilon": latest.epsilon,
            "effective_sample_size": latest.ess,
            "wall_seconds": state.get("seconds", 0.0),
            "stopped": stop or "running (or interrupted): rerun the same command to go on",
        },
    }
    frame = particles[list(targets.constants)].reset_index(drop=True)
    frame["weight"] = np.asarray(weights, dtype=float)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), METADATA_KEY: json.dumps(info).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink)
    atomic_write_bytes(out / POSTERIOR, sink.getvalue().to_pybytes())
    atomic_write_text(out / MISFIT, table.to_csv(index=False))
    atomic_write_text(out / PROVENANCE, json.dumps(info, indent=1))
    return {"info": info, "misfit": table, "posterior": frame}
