"""Replications, seeds and the statistics over them.

A scenario is run ``replications`` times; replication ``i`` uses the seed
``base seed + i`` (so replication 0 of a scenario with ``seed: 1`` uses seed 1).
``compare`` gives every scenario the same seeds (common random numbers), so
the difference between two scenarios in replication ``i`` is due to the levers,
not to luck. The numbers of a replication depend only on its seed (and its
levers and lever schedule), never on how or where it ran.

Intervals are honest about what an outcome can be: the interval of a count
or of hours never goes below 0, that of a share never outside [0, 1]
(:func:`outcome_bounds`). Differences between scenarios are not cut: a
difference may be negative.

Finished replications can be kept on disk as they finish (:class:`Checkpoint`,
one checksummed Parquet file each, under a fingerprint of the runs (levers and
schedules), horizon, seeds and code), so that an interrupted run resumes with only the missing
ones; :func:`run_replications` gives the same table either way.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import platform
import re
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import UserError, clip, display
from .fileio import atomic_write_bytes
from .metrics import COLUMN_NAMES, COLUMNS

CONFIDENCE = 0.95
"""Level of every confidence interval the package reports (summary.csv, reports, patterns)."""

UNIT_BOUNDS: tuple[tuple[str, float, float], ...] = (
    ("share", 0.0, 1.0),
    ("0-1", 0.0, 1.0),
    ("count", 0.0, math.inf),
    ("citizens", 0.0, math.inf),
    ("hours", 0.0, math.inf),
    ("per week", 0.0, math.inf),
    ("weeks", 0.0, math.inf),
    ("ratio", 0.0, math.inf),
    ("value units", 0.0, math.inf),
)
"""What a value can be, by the start of its unit in :data:`cocreate_sim.metrics.COLUMNS`."""

BOUNDS_SENTENCE = (
    "Intervals stop at what an outcome can be: counts, hours and ratios never go below 0, and shares and 0–1 "
    "scores never leave 0–1 (0–100%); differences between scenarios are not cut, since they may be negative."
)
"""The one sentence a report uses to say how its intervals are bounded."""


# ----------------------------------------------------------------- seeds
def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """Seeds of the replications: ``base_seed + i``; the same for every scenario in a comparison."""
    return [int(base_seed) + i for i in range(int(replications))]


# -------------------------------------------------------------- running
Schedule = tuple[tuple[int, dict[str, Any]], ...]
"""Lever changes during a run, ``((week, {lever: value}), ...)``, as :func:`.params.check_schedule` returns them."""


def unpack_run(run: Sequence[Any]) -> tuple[str, dict[str, Any], Schedule]:
    """A run as ``(label, params)`` or ``(label, params, schedule)``: label, levers and schedule (``()`` if none)."""
    label, params, *rest = run
    schedule = tuple((int(week), dict(changes)) for week, changes in (rest[0] if rest and rest[0] else ()))
    return str(label), dict(params), schedule


def _run_one(task: tuple[str, int, int, int, dict[str, Any], Schedule]) -> tuple[str, int, int, pd.DataFrame]:
    """One replication (top-level so that worker processes can import it)."""
    from .runner import run_timeseries

    label, replication, seed, steps, params, schedule = task
    frame = run_timeseries(steps, seed, schedule=schedule or None, **params)
    return label, replication, seed, frame


def replication_rows(label: str, replication: int, seed: int, frame: pd.DataFrame) -> pd.DataFrame:
    """One replication's rows as the table holds them: ``scenario``, ``replication``, ``seed``, ``week``, columns."""
    frame = frame.reset_index()
    frame.insert(0, "seed", seed)
    frame.insert(0, "replication", replication)
    frame.insert(0, "scenario", label)
    frame["week"] = frame["week"].astype("int64")
    return frame[["scenario", "replication", "seed", "week", *COLUMN_NAMES]]


def run_replications(
    runs: Sequence[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], Schedule]],
    steps: int,
    seeds: Sequence[int],
    processes: int | None = None,
    progress: bool = True,
    *,
    done: Mapping[tuple[str, int], pd.DataFrame] | None = None,
    on_done: Callable[[pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """Run every (label, params) or (label, params, schedule) with every seed; one row per label, replication, week.

    Columns: ``scenario``, ``replication``, ``seed``, ``week`` and every model
    column. Runs through :mod:`cocreate_sim.executor` with ``processes``
    workers (default: all local cores); small batches run in this process.
    ``done`` maps ``(label, replication)`` to the rows (:func:`replication_rows`)
    of replications already run, e.g. kept by an interrupted run: only the
    others run. ``on_done(rows)`` receives each new replication's rows as soon
    as it finishes. The table is the same however the replications were split.
    """
    done = dict(done or {})
    tasks = [
        (label, i, seed, steps, params, schedule)
        for label, params, schedule in map(unpack_run, runs)
        for i, seed in enumerate(seeds)
        if (label, i) not in done
    ]
    blocks = dict(done)
    with contextlib.closing(_execute(tasks, processes, progress, len(done))) as results:
        for label, replication, seed, frame in results:
            rows = replication_rows(label, replication, seed, frame)
            if on_done is not None:
                on_done(rows)
            blocks[(label, replication)] = rows
    labels = [unpack_run(run)[0] for run in runs]
    table = pd.concat([blocks[(label, i)] for label in labels for i in range(len(seeds))], ignore_index=True)
    table["week"] = table["week"].astype("int64")
    return table


def _execute(tasks: list, processes: int | None, progress: bool, initial: int) -> Iterator:
    """Every task's result as it finishes, in any order; the progress bar starts at ``initial`` already done."""
    from .executor import make_executor

    # Even two replications are worth their own processes: one model run outlasts a worker's start-up.
    with make_executor(len(tasks), processes, in_process_below=2) as executor:
        runs = executor.map_unordered(
            _run_one, tasks, progress=progress, desc="replications", initial=initial, total=initial + len(tasks)
        )
        for _, result in runs:
            yield result


# ----------------------------------------------------------- checkpoints
CHECKPOINT_PREFIX = ".checkpoint-"
"""Start of the name of the folder keeping a run's finished replications until its results are published."""
CHECKPOINT_FORMAT = 1
"""Version of the checkpoint files' layout; part of the fingerprint, so an older layout is never read."""
FINGERPRINT_DIGITS = 16
"""Hex digits of a run's fingerprint in its checkpoint folder's name."""
CHECKSUM_DIGITS = 16
"""Hex digits of the SHA-256 in a kept replication's file name."""
FINGERPRINT_KEY = b"cocreate_sim.fingerprint"
"""Parquet metadata key recording the fingerprint of the run a kept replication belongs to."""
CHECKPOINT_LOCK = ".lock"
"""File in a checkpoint folder locked by the one process that runs into it."""
_KEPT_NAME = re.compile(r"rep-(\d+)-(\d+)-([0-9a-f]+)\.parquet")


@functools.cache
def code_version() -> str:
    """SHA-256 of this package's source files and the versions of the libraries the numbers depend on."""
    import mesa
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted(root.rglob("*.py")):
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    versions = (platform.python_version(), mesa.__version__, np.__version__, pd.__version__, pa.__version__)
    digest.update(" ".join(versions).encode())
    return digest.hexdigest()


def run_fingerprint(runs: Sequence[Sequence[Any]], steps: int, seeds: Sequence[int]) -> str:
    """What makes two runs the same: names, levers and lever schedules of the runs, horizon, seeds and code."""
    record = {
        "format": CHECKPOINT_FORMAT,
        "runs": [
            [label, dict(sorted(params.items())), [[week, dict(sorted(changes.items()))] for week, changes in schedule]]
            for label, params, schedule in map(unpack_run, runs)
        ],
        "steps": int(steps),
        "seeds": [int(s) for s in seeds],
        "code": code_version(),
    }
    text = json.dumps(record, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_DIGITS]


class Checkpoint:
    """The finished replications of one run, kept in ``out_dir/.checkpoint-<fingerprint>/`` until published.

    One process at a time uses a checkpoint (a lock file); :meth:`open` says
    whether this one got it. Each replication is one Parquet file
    ``rep-<scenario index>-<replication>-<checksum>.parquet``, written
    atomically, with the fingerprint in its metadata; :meth:`load` verifies
    every file and names a damaged one.
    """

    def __init__(self, out_dir: Path, runs: Sequence[Sequence[Any]], steps: int, seeds: Sequence[int]):
        self.fingerprint = run_fingerprint(runs, steps, seeds)
        self.folder = Path(out_dir) / f"{CHECKPOINT_PREFIX}{self.fingerprint}"
        self.labels = [unpack_run(run)[0] for run in runs]
        self.steps = int(steps)
        self.seeds = [int(s) for s in seeds]
        self._lock: Any = None
        self._created = False

    @property
    def total(self) -> int:
        """Replications of the whole run."""
        return len(self.labels) * len(self.seeds)

    def open(self) -> bool:
        """Create the folder and take its lock; False when another process holds it (then use nothing here)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX: one run per output folder is the user's job
            fcntl = None
        try:
            self._created = not self.folder.exists()
            self.folder.mkdir(exist_ok=True)
            lock_path = self.folder / CHECKPOINT_LOCK
            handle = open(lock_path, "a+")  # noqa: SIM115 - held until close()
        except OSError:
            return False
        try:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(handle.fileno()).st_ino != os.stat(lock_path).st_ino:
                raise OSError("the checkpoint was removed meanwhile")
        except OSError:
            handle.close()
            return False
        self._lock = handle  # a file half-written by a killed run is ignored, and goes with the folder
        return True

    def close(self) -> None:
        """Release the lock; the kept files stay (a folder this process created and kept nothing in goes)."""
        lock, self._lock = self._lock, None
        if lock is None:
            return
        if self._created and not self.files():
            shutil.rmtree(self.folder, ignore_errors=True)
        lock.close()

    def remove(self) -> None:
        """Delete this checkpoint folder (after publishing), then release the lock."""
        if self._lock is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.close()

    def files(self) -> list[Path]:
        """The kept replications' files (by name; not yet verified)."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if _KEPT_NAME.fullmatch(p.name))

    def save(self, rows: Any) -> None:
        """Keep one finished replication's rows (from :func:`~cocreate_sim.statistics.replication_rows`)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        label, replication = str(rows["scenario"].iloc[0]), int(rows["replication"].iloc[0])
        table = pa.Table.from_pandas(rows, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), FINGERPRINT_KEY: self.fingerprint})
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        data = sink.getvalue().to_pybytes()
        stem = f"rep-{self.labels.index(label)}-{replication}-"
        path = self.folder / f"{stem}{hashlib.sha256(data).hexdigest()[:CHECKSUM_DIGITS]}.parquet"
        try:
            atomic_write_bytes(path, data)
            for older in self.folder.glob(f"{stem}*.parquet"):
                if older != path:
                    older.unlink()
        except OSError as exc:
            raise UserError(
                f"{display(self.folder)}: cannot keep a finished replication there ({exc.strerror or exc}); "
                "free some space or give another --out folder."
            ) from None

    def load(self) -> dict[tuple[str, int], Any]:
        """Every kept replication, verified: ``(label, replication) -> rows``; a damaged file is a UserError."""
        done: dict[tuple[str, int], Any] = {}
        for path in self.files():
            k, i, _ = _KEPT_NAME.fullmatch(path.name).groups()
            problem, rows = self._check(path)
            if problem:
                raise UserError(
                    f"{display(path)}: this kept replication is damaged: {problem}. Delete the file (its "
                    "replication then runs again) and run the same command with --resume again, or run it "
                    "without --resume to start afresh."
                )
            done[(self.labels[int(k)], int(i))] = rows
        return done

    def _check(self, path: Path) -> tuple[str | None, Any]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        k_text, i_text, checksum = _KEPT_NAME.fullmatch(path.name).groups()
        k, i = int(k_text), int(i_text)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return f"it cannot be read ({exc.strerror or exc})", None
        if hashlib.sha256(data).hexdigest()[:CHECKSUM_DIGITS] != checksum:
            return "its contents do not match the checksum in its name (truncated or altered)", None
        try:
            table = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowException, OSError) as exc:
            return f"it is not readable Parquet ({clip(str(exc))})", None
        if (table.schema.metadata or {}).get(FINGERPRINT_KEY) != self.fingerprint.encode():
            return "it belongs to another run (another scenario, schedule, horizon, seeds or code version)", None
        if not (0 <= k < len(self.labels) and 0 <= i < len(self.seeds)):
            return "its name gives a scenario or replication this run does not have", None
        rows = table.to_pandas()
        expected = ["scenario", "replication", "seed", "week", *COLUMN_NAMES]
        if list(rows.columns) != expected:
            return "its columns are not those of a replication", None
        same = (
            (rows["scenario"] == self.labels[k]).all()
            and (rows["replication"] == i).all()
            and (rows["seed"] == self.seeds[i]).all()
            and rows["week"].tolist() == list(range(self.steps + 1))
        )
        if not same:
            return "its rows are not those of the replication its name gives", None
        return None, rows


# ------------------------------------------------------------- intervals
def t_quantile(df: int, level: float = CONFIDENCE) -> float:
    """Two-sided Student-t quantile for a ``level`` confidence interval with ``df`` degrees of freedom."""
    if df < 1:
        return math.nan
    from scipy import stats

    return float(stats.t.ppf((1 + level) / 2, df))


def mean_ci(values: Sequence[float] | np.ndarray, level: float = CONFIDENCE) -> tuple[float, float, float, float]:
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


def outcome_bounds(column: str) -> tuple[float, float]:
    """The smallest and largest value ``column`` can take: (0, 1) for shares, (0, inf) for counts and hours."""
    unit = COLUMNS[column].unit if column in COLUMNS else ""
    for start, low, high in UNIT_BOUNDS:
        if unit.startswith(start):
            return low, high
    return -math.inf, math.inf


def clip_interval(column: str, mean: Any, low: Any, high: Any) -> tuple[Any, Any]:
    """``low`` and ``high`` cut to what ``column`` can be (scalars or arrays; NaN stays NaN).

    The interval is never cut off its own mean: with data outside the bounds
    (impossible from the model) the bounds widen to take the mean in.
    """
    floor, ceiling = outcome_bounds(column)
    floor = np.fmin(floor, mean)
    ceiling = np.fmax(ceiling, mean)
    return np.clip(low, floor, ceiling), np.clip(high, floor, ceiling)


# ------------------------------------------------------------- summaries
def _final(table: pd.DataFrame, week: int | None) -> tuple[int, pd.DataFrame]:
    week = int(table["week"].max()) if week is None else week
    return week, table[table["week"] == week]


def summarize(table: pd.DataFrame, week: int | None = None) -> pd.DataFrame:
    """Per scenario and outcome: mean, sd and 95% t-interval (bounded) across replications at ``week``.

    ``week`` defaults to the last week of ``table``.
    """
    week, final = _final(table, week)
    rows = []
    for label, group in final.groupby("scenario", sort=False):
        for column in COLUMN_NAMES:
            mean, sd, low, high = mean_ci(group[column].to_numpy())
            low, high = clip_interval(column, mean, low, high)
            rows.append(
                {
                    "scenario": label,
                    "outcome": column,
                    "unit": COLUMNS[column].unit,
                    "week": week,
                    "n": len(group),
                    "mean": mean,
                    "sd": sd,
                    "ci95_low": float(low),
                    "ci95_high": float(high),
                }
            )
    return pd.DataFrame(rows)


def paired_differences(table: pd.DataFrame, reference: str, week: int | None = None) -> pd.DataFrame:
    """Each other scenario minus ``reference`` at ``week``, paired by replication (common seeds), with t-CIs.

    Differences are not bounded: a difference may be negative.
    """
    week, final = _final(table, week)
    final = final.set_index(["scenario", "replication"])
    base = final.loc[reference]
    rows = []
    for label in table["scenario"].unique():
        if label == reference:
            continue
        other = final.loc[label]
        for column in COLUMN_NAMES:
            diff = (other[column] - base[column]).dropna()
            mean, _, low, high = mean_ci(diff.to_numpy())
            rows.append(
                {
                    "scenario": label,
                    "reference": reference,
                    "outcome": column,
                    "unit": COLUMNS[column].unit,
                    "week": week,
                    "n": len(diff),
                    "reference_mean": float(base[column].mean()),
                    "scenario_mean": float(other[column].mean()),
                    "difference": mean,
                    "ci95_low": low,
                    "ci95_high": high,
                }
            )
    return pd.DataFrame(rows)


def weekly_bands(table: pd.DataFrame, column: str, level: float = CONFIDENCE) -> pd.DataFrame:
    """Per scenario and week: mean of ``column`` and its t-interval across replications, bounded (for plots)."""
    grouped = table.groupby(["scenario", "week"], sort=False)[column]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    q = out["count"].map(lambda n: t_quantile(int(n) - 1, level) if n > 1 else math.nan)
    half = q * out["std"] / np.sqrt(out["count"])
    low, high = clip_interval(column, out["mean"], out["mean"] - half, out["mean"] + half)
    out["low"] = low
    out["high"] = high
    return out
