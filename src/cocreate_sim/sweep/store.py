"""Crash-safe results of a sweep: a manifest and one self-checking Parquet file per finished chunk.

Why it is shaped like this: a sweep of thousands of runs must survive a killed
laptop, a lost cluster worker or a Ctrl-C without losing or doubling a row.
So nothing is ever appended to or rewritten in place. The manifest is written
once, atomically, before the first run; every finished chunk of runs becomes
its own file, written to a temporary name, flushed to disk and renamed into
place (:func:`cocreate_sim.fileio.atomic_write_bytes`; ``os.replace`` is
atomic), and the file name carries the SHA-256 of its bytes, so a damaged
file is recognised on the next start. The runs that are done are exactly
the ``run_id`` values in the intact chunk files; a resumed sweep runs only
the others. Everything read is verified: the manifest against its own
checksum and fingerprint, and every chunk against the checksum in its name,
whether a sweep resumes (a damaged chunk is quarantined and re-run) or the
rows are loaded (:func:`load_runs`: a damaged chunk is a UserError naming it).

Layout of a results folder::

    OUT/manifest.json            the resolved sweep, its design's definition, provenance and a checksum
    OUT/runs/chunk-<first>-<last>-<sha>.parquet   one row per run
    OUT/quarantine/              damaged chunk files, moved aside (their runs are re-run)
    OUT/sensitivity.csv, OUT/report.html           written by the analysis
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import UserError, display, shorten
from ..fileio import atomic_write_bytes
from ..limits import MAX_HORIZON, MAX_SEED, MAX_SWEEP_RUNS

MANIFEST = "manifest.json"
RUNS = "runs"
QUARANTINE = "quarantine"
LOCK = ".lock"
FORMAT = "cocreate_sim.sweep/2"
"""Manifests this code writes: the design's definition (no list of points) and a checksum of the whole manifest."""
LEGACY_FORMAT = "cocreate_sim.sweep/1"
"""Manifests of earlier versions (they list every design point, and carry no checksum): still read and resumed."""
CHECKSUM = "checksum"
"""Manifest key of the SHA-256 of the rest of the manifest (canonical JSON)."""
DESIGN_DIGEST = "design_sha256"
"""Manifest key of the digest of a sampled design's SALib matrix: the design is regenerated and compared to it."""
MAX_MANIFEST_BYTES = 64_000_000
"""Largest manifest read: ours are a few kilobytes (earlier versions listed every point: megabytes)."""
DESIGNS = ("grid", "lhs", "sobol", "morris")
FINGERPRINT_KEY = b"cocreate_sim.sweep_fingerprint"
ID_COLUMNS = ("run_id", "point", "replication", "seed")
HASH_DIGITS = 16
"""Hex digits of a chunk's SHA-256 kept in its file name."""
CHANGED_SHOWN = 6
"""Most changed parameter names listed when a folder holds a different sweep."""

_CHUNK_NAME = re.compile(r"^chunk-(\d+)-(\d+)-([0-9a-f]{16})\.parquet$")


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no whitespace noise: the input of a fingerprint."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def fingerprint(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data``: equal sweeps, equal fingerprints."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


@dataclass
class SweepStore:
    """The results folder of one sweep; open it with :meth:`open`."""

    root: Path
    manifest: dict[str, Any]
    schema: pa.Schema
    warnings: list[str] = field(default_factory=list)
    _lock: Any = field(default=None, repr=False)

    @property
    def runs_dir(self) -> Path:
        return self.root / RUNS

    @classmethod
    def open(cls, root: Path, manifest: dict[str, Any]) -> SweepStore:
        """Create the folder with ``manifest``, or reopen it if it holds the same sweep.

        A folder that holds a different sweep, is not a sweep folder, or has a
        damaged manifest is a UserError: we never mix two sweeps' rows.
        """
        root = Path(root)
        path = root / MANIFEST
        if root.exists() and not root.is_dir():
            raise UserError(f"output folder '{root}' exists and is not a folder; choose another --out.")
        if not path.exists() and root.exists() and any(p.name not in (QUARANTINE, LOCK) for p in root.iterdir()):
            raise UserError(
                f"output folder '{root}' is not empty and has no {MANIFEST}, so it is not a sweep results "
                "folder; choose an empty or new folder with --out (existing files are never overwritten)."
            )
        root.mkdir(parents=True, exist_ok=True)
        lock = _lock_folder(root)
        try:
            if path.exists():
                stored = read_manifest(root)
                if stored.get("fingerprint") != manifest["fingerprint"]:
                    raise UserError(_changed_message(root, stored, manifest))
                if stored.get("outcomes") != manifest.get("outcomes"):
                    # Outcomes only steer the analysis (every row keeps every outcome), so they may change.
                    stored["outcomes"] = manifest.get("outcomes")
                    atomic_write_bytes(path, _dump(seal(stored)))
                manifest = stored
            else:
                atomic_write_bytes(path, _dump(seal(manifest)))
            (root / RUNS).mkdir(exist_ok=True)
        except BaseException:
            if lock is not None:
                lock.close()
            raise
        store = cls(root, manifest, result_schema(manifest), _lock=lock)
        store._remove_temporaries()
        return store

    def close(self) -> None:
        """Let another sweep process use the folder (the lock also ends with the process, even on SIGKILL)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _remove_temporaries(self) -> None:
        """Half-written files of a killed sweep never became chunks; drop them."""
        for folder in (self.root, self.runs_dir):
            for tmp in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def chunk_files(self) -> list[Path]:
        return chunk_files(self.root)

    def finished_run_ids(self) -> set[int]:
        """Run ids in the intact chunk files; damaged chunk files are moved to ``quarantine/``.

        A damaged file (wrong checksum, unreadable Parquet, rows of another
        sweep) is quarantined and a warning recorded in :attr:`warnings`; the
        runs it held count as not done, so the sweep runs them again.
        """
        done: dict[int, Path] = {}
        for path in self.chunk_files():
            problem, table = check_chunk(path, self.manifest)
            if problem or table is None:
                self._quarantine(path, problem or "it could not be read")
                continue
            for run_id in table.column("run_id").to_pylist():
                if run_id in done:
                    raise UserError(
                        f"results folder '{self.root}' is inconsistent: run {run_id} is in both "
                        f"'{done[run_id].name}' and '{path.name}' under {RUNS}/. These files were not written "
                        "by one sweep; remove the copied file or start a new --out folder."
                    )
                done[run_id] = path
        return set(done)

    def _quarantine(self, path: Path, problem: str) -> None:
        target = self.root / QUARANTINE
        target.mkdir(exist_ok=True)
        shutil.move(str(path), target / path.name)
        self.warnings.append(
            f"chunk file '{path}' is damaged: {problem}. It was moved to '{target}/' and its runs will be run again."
        )

    def write_chunk(self, rows: list[dict[str, Any]]) -> Path:
        """Write one finished chunk of rows atomically; the file name carries its checksum."""
        table = pa.Table.from_pylist(rows, schema=self.schema)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        data = sink.getvalue().to_pybytes()
        ids = [row["run_id"] for row in rows]
        name = f"chunk-{min(ids):07d}-{max(ids):07d}-{hashlib.sha256(data).hexdigest()[:HASH_DIGITS]}.parquet"
        path = self.runs_dir / name
        atomic_write_bytes(path, data)
        return path

    def load(self) -> pd.DataFrame:
        """Every finished run, one row each, sorted by run id."""
        return load_runs(self.root)


def _lock_folder(root: Path) -> Any:
    """An exclusive lock on the folder, so two sweep processes never run (and store) the same runs twice."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX; one sweep per folder is then the user's job
        return None
    handle = open(root / LOCK, "a+")  # noqa: SIM115 - held until close()
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise UserError(
            f"another sweep process is writing to '{root}' right now. Wait for it to finish (or stop it); "
            "running the same command afterwards resumes and completes the sweep."
        ) from None
    return handle


def read_manifest(root: Path) -> dict[str, Any]:
    """The manifest of a results folder, verified; a UserError saying what is wrong with it otherwise.

    A manifest of this version must match its own checksum (any edit, by hand
    or by a disk error, is refused); every manifest must match its own
    fingerprint and hold a consistent sweep (so no later read meets a
    missing key or a wrong type).
    """
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise UserError(
            f"'{display(root)}' is not a sweep results folder: it has no {MANIFEST}. "
            "Give the folder that 'python3 run.py sweep ... --out DIR' wrote."
        )
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise _damaged(path, f"it is larger than {MAX_MANIFEST_BYTES:,} bytes")
    try:
        manifest = json.loads(path.read_bytes().decode())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _damaged(path, f"it is not valid JSON: {shorten(str(exc))}") from None
    if not isinstance(manifest, dict) or manifest.get("format") not in (FORMAT, LEGACY_FORMAT):
        raise UserError(f"'{display(path)}' is not a manifest of this program's sweeps (expected format '{FORMAT}').")
    if manifest["format"] == FORMAT and manifest.get(CHECKSUM) != _checksum(manifest):
        raise _damaged(path, "its contents do not match the checksum it carries (edited or altered)")
    try:
        problem = _manifest_problem(manifest)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        problem = f"it lacks or mistypes {shorten(str(exc))}"
    if problem:
        raise _damaged(path, problem)
    return manifest


def _damaged(path: Path, problem: str) -> UserError:
    return UserError(
        f"'{display(path)}' is damaged or was edited by hand ({problem}); the results folder cannot be trusted. "
        "Restore the file, or start the sweep again in a new --out folder."
    )


def _checksum(manifest: dict[str, Any]) -> str:
    return fingerprint({k: v for k, v in manifest.items() if k != CHECKSUM})


def seal(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` with the checksum of its contents (manifests of earlier versions stay as they were)."""
    if manifest.get("format") != FORMAT:
        return manifest
    return {**{k: v for k, v in manifest.items() if k != CHECKSUM}, CHECKSUM: _checksum(manifest)}


def count_points(spec: dict[str, Any]) -> int:
    """How many design points a resolved sweep (``manifest["sweep"]``) has, computed without building them."""
    d, n = len(spec["vary"]), spec.get("samples") or 0
    return {
        "grid": math.prod(len(v) for v in spec["vary"].values()),
        "lhs": n,
        "sobol": n * (d + 2),
        "morris": n * (d + 1),
    }[spec["design"]]


def _whole_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _manifest_problem(m: dict[str, Any]) -> str | None:
    """What makes a parsed manifest inconsistent, or None (KeyError/TypeError on a missing or mistyped key)."""
    spec = m["sweep"]
    if fingerprint({**spec, "model_code": m["model_code"]}) != m["fingerprint"]:
        return "its sweep does not match its fingerprint"
    if spec["design"] not in DESIGNS or not isinstance(spec["vary"], dict) or not spec["vary"]:
        return "its design is not one of " + ", ".join(DESIGNS)
    for key, low, high in (("replications", 1, MAX_SWEEP_RUNS), ("horizon", 1, MAX_HORIZON), ("seed", 0, MAX_SEED)):
        if not _whole_in(spec[key], low, high):
            return f"sweep.{key} is not a whole number from {low} to {high:,}"
    if spec["design"] == "grid":
        if not all(isinstance(v, list) and v for v in spec["vary"].values()):
            return "a grid lever has no list of values"
    elif not _whole_in(spec["samples"], 1, MAX_SWEEP_RUNS) or not all(
        isinstance(b, dict) and b["low"] < b["high"] for b in spec["vary"].values()
    ):
        return "its samples or bounds are not valid"
    n_points = len(m["points"]) if m["format"] == LEGACY_FORMAT else count_points(spec)
    if m["n_points"] != n_points or m["n_runs"] != n_points * spec["replications"] or m["n_runs"] > MAX_SWEEP_RUNS:
        return f"n_points and n_runs do not match its design of {n_points:,} points"
    columns, types = m["outcome_columns"], m["parameter_types"]
    if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
        return "outcome_columns is not a list of names"
    if not (isinstance(types, dict) and set(types.values()) <= {"int", "float"} and set(spec["vary"]) <= set(types)):
        return "parameter_types does not name every varied lever as int or float"
    if not (isinstance(m["outcomes"], list) and m["outcomes"] and set(m["outcomes"]) <= set(columns)):
        return "outcomes are not model columns"
    if not isinstance(m["name"], str):
        return "name is not text"
    return None


def chunk_files(root: Path) -> list[Path]:
    """Every Parquet file under ``root/runs/`` (hidden temporaries excepted), sorted by name."""
    runs = Path(root) / RUNS
    if not runs.is_dir():
        return []
    return sorted(p for p in runs.iterdir() if p.suffix == ".parquet" and not p.name.startswith("."))


def check_chunk(path: Path, manifest: dict[str, Any]) -> tuple[str | None, pa.Table | None]:
    """``(problem, None)`` for a damaged chunk file, else ``(None, its table)``: every byte read is verified.

    The SHA-256 of the file's bytes must match the checksum in its name, so a
    single flipped bit anywhere is caught before Parquet reads a value; then
    the rows must belong to this sweep and hold distinct run ids in range.
    """
    match = _CHUNK_NAME.match(path.name)
    if not match:
        return "its name is not chunk-<first>-<last>-<checksum>.parquet", None
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})", None
    if hashlib.sha256(data).hexdigest()[:HASH_DIGITS] != match.group(3):
        return "its contents do not match the checksum in its name (truncated or altered)", None
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        return f"it is not readable Parquet ({shorten(str(exc))})", None
    meta = table.schema.metadata or {}
    if meta.get(FINGERPRINT_KEY, b"").decode(errors="replace") != manifest["fingerprint"]:
        return "its rows belong to a different sweep", None
    schema = result_schema(manifest)
    try:
        table = table.select(schema.names).cast(schema)
    except (pa.ArrowException, KeyError, ValueError) as exc:
        return f"its columns are not this sweep's ({shorten(str(exc))})", None
    n_runs = manifest["n_runs"]
    ids = table.column("run_id").to_pylist()
    if not ids or min(ids) < 0 or max(ids) >= n_runs or len(set(ids)) != len(ids):
        return f"its run ids are not distinct ids in 0..{n_runs - 1}", None
    return None, table


def result_schema(manifest: dict[str, Any]) -> pa.Schema:
    """Column types of the run table: ids and integer levers as int64, everything else float64."""
    fields = [pa.field(name, pa.int64()) for name in ID_COLUMNS]
    for name, kind in manifest["parameter_types"].items():
        fields.append(pa.field(name, pa.int64() if kind == "int" else pa.float64()))
    fields += [pa.field(name, pa.float64()) for name in manifest["outcome_columns"]]
    return pa.schema(fields, metadata={FINGERPRINT_KEY: manifest["fingerprint"].encode()})


def load_runs(root: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Every chunk of a results folder, verified, in one frame sorted by ``run_id`` (``columns``: only those).

    A damaged chunk (wrong checksum, unreadable, rows of another sweep, a run
    in two files) is a UserError naming the file: rows are never read unverified.
    """
    root = Path(root)
    manifest = read_manifest(root)
    schema = result_schema(manifest)
    tables = []
    seen: dict[int, str] = {}
    for path in chunk_files(root):
        problem, table = check_chunk(path, manifest)
        if problem or table is None:
            raise UserError(
                f"chunk file '{display(path)}' is damaged: {problem or 'it could not be read'}. Run the same "
                f"sweep command on '{display(root)}' again: it moves damaged chunks to {QUARANTINE}/ and runs "
                "their runs again."
            )
        for run_id in table.column("run_id").to_pylist():
            if run_id in seen:
                raise UserError(
                    f"results folder '{display(root)}' is inconsistent: run {run_id} is in both '{seen[run_id]}' and "
                    f"'{path.name}' under {RUNS}/; remove the copied file or start a new --out folder."
                )
            seen[run_id] = path.name
        tables.append(table.select(columns) if columns else table)
    if not tables:
        empty = schema.empty_table()
        return (empty.select(columns) if columns else empty).to_pandas()
    frame = pa.concat_tables(tables).to_pandas()
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def _dump(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=1, sort_keys=False, default=str) + "\n").encode()


def _changed_message(root: Path, stored: dict[str, Any], new: dict[str, Any]) -> str:
    old_spec, new_spec = stored.get("sweep", {}), new.get("sweep", {})
    keys = sorted(
        k
        for k in set(old_spec) | set(new_spec)
        if k in ("params", "design", "vary", "samples", "replications", "horizon", "seed", "levels")
        and old_spec.get(k) != new_spec.get(k)
    )
    if "params" in keys:
        old_p, new_p = old_spec.get("params", {}), new_spec.get("params", {})
        changed = sorted(k for k in set(old_p) | set(new_p) if old_p.get(k) != new_p.get(k))
        keys[keys.index("params")] = (
            "params (" + ", ".join(changed[:CHANGED_SHOWN]) + ("…" if len(changed) > CHANGED_SHOWN else "") + ")"
        )
    if not keys and stored.get("model_code") != new.get("model_code"):
        return (
            f"output folder '{root}' holds results of this sweep run with different model code (source hash "
            f"{stored.get('model_code')}, now {new.get('model_code')}): the model changed since the sweep began. "
            "Rows of two model versions are never mixed: give a new --out folder, or go back to that version to resume."
        )
    what = ", ".join(keys) if keys else "its resolved contents"
    return (
        f"output folder '{root}' holds results of a different sweep (changed: {what}). Rows of two different "
        "sweeps are never mixed: give a new --out folder, or restore the sweep file (and its base scenario) "
        "to resume the old one."
    )
