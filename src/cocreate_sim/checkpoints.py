"""Finished replications kept on disk until their results folder is published, and what makes two runs the same.

A run or comparison keeps each finished replication as one checksummed
Parquet file under a fingerprint of the runs (levers and schedules), horizon,
seeds, drawn constants and code (:class:`Checkpoint`), so that an interrupted
run resumes with only the missing ones. Split from :mod:`statistics` (which
runs the replications and summarises them) because it is about files.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import UserError, clip, display
from .fileio import atomic_write_bytes
from .metrics import COLUMN_NAMES
from .statistics import Constants, unpack_run

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


def run_fingerprint(
    runs: Sequence[Sequence[Any]], steps: int, seeds: Sequence[int], constants: Sequence[Constants] | None = None
) -> str:
    """What makes two runs the same: names, levers and schedules of the runs, horizon, seeds, constants and code."""
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
    if constants is not None and any(constants):
        record["constants"] = [dict(sorted(c.items())) if c else None for c in constants]
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

    def __init__(
        self,
        out_dir: Path,
        runs: Sequence[Sequence[Any]],
        steps: int,
        seeds: Sequence[int],
        constants: Sequence[Constants] | None = None,
    ):
        self.fingerprint = run_fingerprint(runs, steps, seeds, constants)
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
            return (
                "it belongs to another run (another scenario, schedule, horizon, seeds, constants or code version)",
                None,
            )
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
