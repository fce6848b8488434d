"""Writing files so that a reader never sees half of one, and checking that none changed since.

Every results file, sweep chunk and report is written through here: into a
temporary file in the same folder, flushed to disk, then renamed into place
(``os.replace``), so a crash or Ctrl-C leaves the old file or the whole new one.
A folder's ``checksums.json`` (:func:`write_checksums`) records the SHA-256 of
its files; :func:`verify_checksums` names the first one missing or changed, and
returns the files it does not vouch for (all of them when the list is missing,
empty or cut short: such a folder is unverified, never "checked").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Collection
from pathlib import Path

from .errors import UserError, clip, display, shorten
from .limits import MAX_RESULTS_FILE_BYTES, MAX_RESULTS_TABLE_BYTES

FILE_MODE = 0o644
"""Results are meant to be shared: readable by everyone, writable by their owner."""
HASH_BLOCK_BYTES = 1 << 20
"""How much of a file :func:`sha256_file` reads at a time (1 MiB)."""
CHECKSUMS = "checksums.json"
"""The file of a folder that records the SHA-256 of its other files (written last)."""


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, FILE_MODE)  # mkstemp makes it private
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's contents as 64 hex digits, read a block at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(folder: str | Path, skip: Collection[str] = ()) -> Path:
    """Write ``folder/checksums.json``: the SHA-256 of every file below ``folder`` but ``skip`` (call it last)."""
    folder = Path(folder)
    files = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() not in {*skip, CHECKSUMS}
    }
    path = folder / CHECKSUMS
    atomic_write_text(path, json.dumps({"algorithm": "sha256", "files": files}, indent=1) + "\n")
    return path


def _changed(path: Path, what: str) -> UserError:
    return UserError(
        f"{display(path)}: {what}. The folder's files are checked against the {CHECKSUMS} written with them; "
        "run the command that wrote the folder again to get a complete one."
    )


def _listed(path: Path) -> dict[str, object]:
    """The ``files`` mapping of a checksums.json, read with a size cap (a huge or deeply nested one is refused)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a pipe would block the read below
            raise _changed(path, "it is not a regular file")
        size = info.st_size
        if size > MAX_RESULTS_TABLE_BYTES:
            raise _changed(
                path,
                f"the file is {size:,} bytes, more than the {MAX_RESULTS_TABLE_BYTES:,} a list of checksums may have",
            )
        record = json.loads(path.read_text(encoding="utf-8"))
        files = record["files"]
        if record.get("algorithm") != "sha256" or not isinstance(files, dict):
            raise ValueError("not a list of sha256 checksums")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise _changed(path, f"the file cannot be read ({type(exc).__name__}: {clip(str(exc))})") from None
    return files


def verify_checksums(folder: str | Path, expected: Collection[str]) -> list[str]:
    """Check every file ``folder/checksums.json`` lists; return those of ``expected`` it does not list.

    ``expected`` are the folder's files its writer covers (relative, '/'-separated). A list that is missing, empty
    or leaves one of them out vouches for nothing it leaves out, so those come back (every one of ``expected``
    without a checksums.json) and the caller says they are unverified rather than checked. A missing file, a file
    whose contents changed, a file larger than any results file, or a damaged checksums.json is a UserError
    naming that file.
    """
    folder = Path(folder)
    path = folder / CHECKSUMS
    if not path.exists():
        return list(expected)
    listed = set()
    for name, digest in _listed(path).items():
        relative = Path(str(name))
        if not str(name) or "\0" in str(name) or relative.is_absolute() or ".." in relative.parts:
            raise _changed(path, f"it lists {shorten(name)}, which is not a file of this folder")
        target = folder / relative
        if not target.is_file():
            raise _changed(target, "it is not a regular file" if target.exists() else "the file is missing")
        size = target.stat().st_size
        if size > MAX_RESULTS_FILE_BYTES:
            raise _changed(
                target, f"the file is {size:,} bytes, more than any results file may have ({MAX_RESULTS_FILE_BYTES:,})"
            )
        if sha256_file(target) != digest:
            raise _changed(target, "its contents differ from the checksum recorded when the folder was written")
        listed.add(relative.as_posix())
    return [name for name in expected if Path(name).as_posix() not in listed]
