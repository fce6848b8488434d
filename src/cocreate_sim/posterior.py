"""The calibrated posterior as runs use it: read a posterior file, draw constants from it.

``run`` and ``compare`` draw ``draws`` sets of constants from the posterior
(weighted particles written by ``run.py calibrate``, shipped as
``calibration/posterior.parquet``) and run each on ``seeds_per_draw`` seeds,
so that their bands hold parameter and stochastic uncertainty together
(issue 11, point 7). The draws are a seeded systematic resample of the
particles by weight: the same scenario seed gives the same draws. Nothing
here imports the calibration machinery (pyabc): reading a posterior needs
only pyarrow.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .constants import CONSTANTS, ConstantError, check_constant
from .errors import UserError, clip, display, shorten
from .limits import (
    MAX_FILE_BYTES,
    MAX_POSTERIOR_BYTES,
    MAX_POSTERIOR_PARTICLES,
    MAX_PROVENANCE_BYTES,
    MAX_REPLICATIONS,
    MAX_SHOWN_CHARS,
)

if TYPE_CHECKING:  # numpy and pandas load when a posterior is read: the command line imports this module
    import numpy as np
    import pandas as pd

SHIPPED = Path(__file__).resolve().parents[2] / "calibration" / "posterior.parquet"
"""The posterior the repository ships (docs/calibration.md says how it was made)."""
METADATA_KEY = b"cocreate_sim"
"""Key of the provenance in a posterior's Parquet metadata."""
WEIGHT = "weight"
"""The column of a posterior file that holds each particle's weight."""
DRAWS = 50
"""Sets of constants drawn from the posterior for a run or comparison, unless --draws says otherwise."""
SEEDS_PER_DRAW = 2
"""Seeds each drawn set of constants runs on, unless --seeds-per-draw says otherwise."""
DRAW_STREAM = 7_919
"""Added to the scenario seed for the generator that draws the constants (apart from the models' own streams)."""
CONCLUSIONS_SUFFIX = "_robust.csv"
"""A posterior's robust-conclusions table lives beside it: ``posterior.parquet`` -> ``posterior_robust.csv``."""
CONCLUSIONS_STAMP = ("posterior_sha256", "model_code", "constants_table")
"""What a robust-conclusions table was made for, on every row: a report shows it only for the same posterior
file, model code and constants table (:meth:`PosteriorDraws.stamp`)."""
CONCLUSIONS_COLUMNS = (
    "pattern",
    "title",
    "claim",
    "outcome",
    "share_holding",
    "draws",
    "seeds_per_draw",
    "horizon",
    *CONCLUSIONS_STAMP,
)
"""The columns of that table a report needs (``run.py robust --attach`` writes them)."""
CONCLUSIONS_NUMBERS = ("share_holding", "draws", "seeds_per_draw", "horizon")
"""Its columns that hold numbers."""
CONCLUSIONS_USED = "used"
"""The provenance's word for a robust-conclusions table that a report shows; any other word says why not."""
CONCLUSIONS_PROBLEMS = ("none", "damaged", "other_posterior", "other_code")
"""Why a posterior's robust-conclusions table is not shown: none made, unreadable, made for another posterior
file, made for other model code or another constants table (the reports word each, in English and Danish)."""
MODEL_SOURCES = ("model.py", "runner.py", "params.py", "metrics.py", "initiatives.py", "agents", "mechanisms")
"""The package's files whose code decides a model run's output (what :func:`model_code_hash` covers)."""
CODE_HASH_DIGITS = 16
"""Hex digits of the model code hash kept in sweep manifests, posteriors and robust-conclusions tables."""
NOT_A_POSTERIOR = "not a posterior written by 'run.py calibrate'"
"""How a message says that a file is no posterior at all."""
PROVENANCE_TEXTS = (
    "package",
    "package_version",
    "git_commit",
    "python_version",
    "mesa_version",
    "numpy_version",
    "pandas_version",
    "platform",
    "timestamp_utc",
    "command",
    "constants_table",
    "model_code",
    "pyabc_version",
)
"""Keys of a posterior's provenance that hold a text (or null) when present: what results folders and reports copy."""
TARGETS_TEXTS = ("name", "file", "digest")
"""Keys of its ``targets`` record that hold a text when present."""
CALIBRATION_COUNTS = ("population", "budget", "generations", "simulations")
"""Keys of its ``calibration`` record that hold a whole number of at least 0 when present."""
CALIBRATION_NUMBERS = ("epsilon", "effective_sample_size", "wall_seconds")
"""Keys of its ``calibration`` record that hold a number of at least 0 when present."""
CALIBRATION_TEXTS = ("stopped",)
"""Keys of its ``calibration`` record that hold a text when present."""
RANGE_SLACK = 1e-9
"""Relative slack at the ends of a constant's range: the prior's draws may round one unit past either end."""


def model_code_hash() -> str:
    """SHA-256 (16 hex digits) of the model's source files: results of different model code are never mixed."""
    root = Path(__file__).resolve().parent  # the cocreate_sim package
    digest = hashlib.sha256()
    for entry in MODEL_SOURCES:
        path = root / entry
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:CODE_HASH_DIGITS]


def stale(info: dict[str, Any]) -> str:
    """What changed since a posterior was fitted: "model code", "constants table", both, or "" when nothing did.

    The constants table is compared without the declared values of the constants the posterior fitted
    (:func:`~cocreate_sim.constants.table_digest`).
    """
    from .constants import table_digest

    calibration = info.get("calibration", {})
    fitted = calibration.get("constants", ()) if isinstance(calibration, dict) else ()
    changed = [
        what
        for what, key, now in (
            ("model code", "model_code", model_code_hash()),
            ("constants table", "constants_table", table_digest(fitted)),
        )
        if info.get(key) not in (None, now)
    ]
    return " and ".join(changed)


@dataclass(frozen=True)
class PosteriorDraws:
    """Constants drawn from a posterior: one dict per draw, each run on ``seeds_per_draw`` seeds."""

    path: Path
    sha256: str
    info: dict[str, Any]
    draws: tuple[dict[str, float], ...]
    seeds_per_draw: int
    particles: int = 0
    fitted: tuple[str, ...] = field(default=())

    @property
    def replications(self) -> int:
        """Runs per scenario: draws times seeds per draw."""
        return len(self.draws) * self.seeds_per_draw

    def constants_by_replication(self) -> list[dict[str, float]]:
        """Replication ``i`` runs draw ``i // seeds_per_draw``: a draw's seeds are neighbours."""
        return [self.draws[i // self.seeds_per_draw] for i in range(self.replications)]

    def provenance(self) -> dict[str, Any]:
        """What a results folder records about the posterior it drew from."""
        calibration = self.info.get("calibration", {})
        return {
            "file": display(self.path),
            "sha256": self.sha256,
            "particles": self.particles,
            "constants": list(self.fitted),
            "draws": len(self.draws),
            "seeds_per_draw": self.seeds_per_draw,
            "calibrated_at_commit": self.info.get("git_commit"),
            "constants_table": self.info.get("constants_table"),
            "model_code": self.info.get("model_code"),
            "epsilon": calibration.get("epsilon"),
            "effective_sample_size": calibration.get("effective_sample_size"),
            "robust_conclusions": self.conclusions()[1],
        }

    def stamp(self) -> dict[str, str]:
        """What a robust-conclusions table made now is made for: this posterior file, model code and table."""
        from .constants import table_digest

        return {
            "posterior_sha256": self.sha256,
            "model_code": model_code_hash(),
            "constants_table": table_digest(self.fitted),
        }

    def conclusions(self) -> tuple[pd.DataFrame | None, str]:
        """The robust-conclusions table made for this very posterior file and code (``run.py robust --attach``).

        Returns the table and :data:`CONCLUSIONS_USED`, or None and why it is not used (one of
        :data:`CONCLUSIONS_PROBLEMS`): a report never shows a table made for another posterior, for other model
        code or another constants table, and says so rather than showing nothing.
        """
        import pandas as pd

        path = conclusions_path(self.path)
        if not path.exists():
            return None, "none"
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None, "damaged"
        try:
            table = pd.read_csv(path, keep_default_na=False, na_values=[""])
        except (OSError, ValueError, pd.errors.ParserError):
            return None, "damaged"
        if not set(CONCLUSIONS_COLUMNS) <= set(table.columns) or table.empty:
            return None, "damaged"
        if not all(pd.api.types.is_numeric_dtype(table[c]) for c in CONCLUSIONS_NUMBERS):
            return None, "damaged"
        made_for = {key: set(table[key].astype(str)) for key in CONCLUSIONS_STAMP}
        now = self.stamp()
        if made_for["posterior_sha256"] != {now["posterior_sha256"]}:
            return None, "other_posterior"
        if any(made_for[key] != {now[key]} for key in CONCLUSIONS_STAMP[1:]):
            return None, "other_code"
        return table, CONCLUSIONS_USED

    def table(self) -> pd.DataFrame:
        """One row per replication: its draw and the constants it ran with (``draws.csv`` of a results folder)."""
        import pandas as pd

        rows = [
            {"replication": i, "draw": i // self.seeds_per_draw, **constants}
            for i, constants in enumerate(self.constants_by_replication())
        ]
        return pd.DataFrame(rows)


def conclusions_path(posterior: str | Path) -> Path:
    """Where the robust-conclusions table of the posterior at ``posterior`` is kept."""
    posterior = Path(posterior)
    return posterior.with_name(posterior.stem + CONCLUSIONS_SUFFIX)


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A posterior written by ``run.py calibrate``: weighted particles and provenance (a damaged file: UserError).

    The footer (columns, particle count, provenance) is checked before any column is read, and every value
    after (:func:`check_particles`), so that a damaged or hostile file is refused before a run starts, never
    after hours of runs. The particles come back as floating-point columns in the file's order.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    shown = display(path)
    if not path.is_file():
        raise UserError(
            f"{shown}: no posterior file there (a posterior is the posterior.parquet that 'python3 run.py "
            "calibrate' writes). Give another with --posterior FILE, or run the point model with --point."
        )
    if path.stat().st_size > MAX_POSTERIOR_BYTES:
        raise UserError(f"{shown}: {NOT_A_POSTERIOR} (larger than {MAX_POSTERIOR_BYTES:,} bytes).")
    try:
        with pq.ParquetFile(path) as parquet:
            schema, rows = parquet.schema_arrow, parquet.metadata.num_rows
            names = _particle_columns(path, schema)
            if not 0 < rows <= MAX_POSTERIOR_PARTICLES:
                raise UserError(
                    f"{shown}: {NOT_A_POSTERIOR}: it holds {rows:,} particles (rows); a posterior holds 1 to "
                    f"{MAX_POSTERIOR_PARTICLES:,} ('run.py calibrate' writes --population of them, 300 by default)."
                )
            info = check_provenance(path, (schema.metadata or {}).get(METADATA_KEY), names)
            table = parquet.read(columns=[*names, WEIGHT], use_pandas_metadata=False)
    except (pa.ArrowException, OSError, ValueError, TypeError, MemoryError) as exc:
        if isinstance(exc, UserError):  # ConstantError is a ValueError too
            raise
        raise UserError(f"{shown}: {NOT_A_POSTERIOR} ({clip(str(exc))}).") from None
    if table.num_rows != rows:  # the footer said otherwise: never trust it twice
        raise UserError(f"{shown}: {NOT_A_POSTERIOR} (its footer declares {rows:,} rows, its data differ).")
    frame = pd.DataFrame({name: np.asarray(table.column(name).to_numpy(), dtype=float) for name in table.column_names})
    check_particles(path, frame)
    return frame, info


def _particle_columns(path: Path, schema: Any) -> list[str]:
    """The constants a posterior file's schema holds, in order: each a known constant, once, with numbers."""
    import pyarrow as pa

    shown = display(path)
    columns = [str(c) for c in schema.names]
    unknown = [clip(c, 40) for c in columns if c != WEIGHT and c not in CONSTANTS]
    names = [c for c in columns if c != WEIGHT]
    if WEIGHT not in columns or unknown or not names:
        wrong = (
            f"unknown: {unknown[:5]}"
            if unknown
            else f"no '{WEIGHT}' column"
            if WEIGHT not in columns
            else "no column of a constant"
        )
        raise UserError(
            f"{shown}: {NOT_A_POSTERIOR}: the columns must be constants of the model and '{WEIGHT}' "
            f"('python3 run.py constants' lists the constants); {wrong}."
        )
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise UserError(f"{shown}: {NOT_A_POSTERIOR}: column(s) {twice[:5]} appear more than once.")
    for column, kind in zip(columns, schema.types, strict=True):
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
            raise UserError(
                f"{shown}: {NOT_A_POSTERIOR}: column '{column}' must hold numbers (floating-point or whole), "
                f"but holds {clip(str(kind), 40)}."
            )
    return names


def _damaged(path: Path, key: str, allowed: str, value: Any) -> UserError:
    """The one message for a provenance record whose ``key`` holds other than ``allowed``."""
    got = clip(json.dumps(value)) if isinstance(value, list) and len(value) <= MAX_SHOWN_CHARS else shorten(value)
    return UserError(
        f"{display(path)}: its provenance (the '{METADATA_KEY.decode()}' record of the Parquet metadata, which "
        f"'run.py calibrate' writes) is damaged: key '{key}' must be {allowed}; got {got}. Recalibrate "
        "(docs/calibration.md), give another posterior with --posterior FILE, or run the point model with --point."
    )


def check_provenance(path: Path, raw: bytes | None, names: list[str]) -> dict[str, Any]:
    """A posterior's provenance record, parsed and checked key by key (UserError naming the key otherwise).

    Results folders and reports copy these keys after every run; a record checked only then fails after
    hours of runs. ``names`` are the constants of the file's columns, which ``calibration.constants`` must list.
    Keys the package does not read may hold anything.
    """
    shown = display(path)
    record = f"the '{METADATA_KEY.decode()}' record of its Parquet metadata"
    if raw is None:
        raise UserError(f"{shown}: {NOT_A_POSTERIOR}: {record} (its provenance) is missing.")
    if len(raw) > MAX_PROVENANCE_BYTES:
        raise UserError(
            f"{shown}: {NOT_A_POSTERIOR}: {record} (its provenance) is {len(raw):,} bytes; at most "
            f"{MAX_PROVENANCE_BYTES:,} are allowed."
        )
    try:
        info = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError; RecursionError: deep nesting
        raise UserError(
            f"{shown}: {NOT_A_POSTERIOR}: {record} (its provenance) is not JSON ({clip(str(exc))})."
        ) from None
    if not isinstance(info, dict):
        raise UserError(f"{shown}: {NOT_A_POSTERIOR}: {record} (its provenance) is {shorten(info)}, not a record.")
    text = "a text (or null)"
    for key in PROVENANCE_TEXTS:
        if info.get(key) is not None and not isinstance(info[key], str):
            raise _damaged(path, key, text, info[key])
    targets = info.get("targets", {})
    if not isinstance(targets, dict):
        raise _damaged(path, "targets", "a record of the targets file (name, file, digest)", targets)
    for key in TARGETS_TEXTS:
        if key in targets and not isinstance(targets[key], str):
            raise _damaged(path, f"targets.{key}", "a text", targets[key])
    calibration = info.get("calibration", {})
    if not isinstance(calibration, dict):
        raise _damaged(path, "calibration", "a record of the calibration (constants, epsilon, ...)", calibration)
    fitted = calibration.get("constants", names)
    if not isinstance(fitted, list) or sorted(map(str, fitted)) != sorted(names) or len(fitted) != len(names):
        raise _damaged(
            path, "calibration.constants", f"the list of the constants the particles hold, each once: {names}", fitted
        )
    for key in CALIBRATION_COUNTS:
        value = calibration.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _damaged(path, f"calibration.{key}", "a whole number of at least 0", value)
    for key in CALIBRATION_NUMBERS:
        value = calibration.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise _damaged(path, f"calibration.{key}", "a number of at least 0", value)
    for key in CALIBRATION_TEXTS:
        if key in calibration and not isinstance(calibration[key], str):
            raise _damaged(path, f"calibration.{key}", "a text", calibration[key])
    return info


def check_particles(path: Path, frame: pd.DataFrame) -> None:
    """Every particle in its constants' declared ranges with a positive, finite weight (UserError otherwise).

    The calibration's priors are uniform on the declared plausible ranges (:mod:`cocreate_sim.calibration.abc`),
    so a real particle never leaves them; one that does is damage, not data. Checked with numpy, all rows at once.
    """
    import numpy as np

    shown = display(path)
    weights = frame[WEIGHT].to_numpy(dtype=float)
    bad = ~(np.isfinite(weights) & (weights > 0))
    allowed = f"{shown}: column '{WEIGHT}': the particles' weights must be finite numbers above 0 with a finite sum"
    if bad.any():
        row = int(np.argmax(bad))
        raise UserError(
            f"{allowed}; particle {row + 1} has {float(weights[row])!r} ({int(bad.sum()):,} of {len(weights):,} "
            "refused)."
        )
    with np.errstate(over="ignore"):
        total = weights.sum()
    if not np.isfinite(total):
        raise UserError(f"{allowed}; these add up to more than the largest number ({len(weights):,} particles).")
    for name in frame.columns:
        if name == WEIGHT:
            continue
        c = CONSTANTS[name]
        values = frame[name].to_numpy(dtype=float)
        slack = RANGE_SLACK * max(abs(c.low), abs(c.high))
        bad = ~(np.isfinite(values) & (values >= c.low - slack) & (values <= c.high + slack))
        if c.integer:
            bad |= values != np.round(values)
        if bad.any():
            row = int(np.argmax(bad))
            whole = " whole" if c.integer else ""
            raise UserError(
                f"{shown}: column '{name}' holds a particle the model cannot run: particle {row + 1} has "
                f"{float(values[row])!r} ({int(bad.sum()):,} of {len(values):,} refused). Constant '{name}' must be "
                f"a finite{whole} number from {c.low:g} to {c.high:g}, its declared plausible range and the "
                "calibration's prior ('python3 run.py constants' lists them)."
            )


def systematic_resample(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` particle indices, each particle about ``n * weight`` times (one uniform draw: low variance)."""
    import numpy as np

    positions = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(weights), positions), len(weights) - 1)


def draw_constants(
    path: str | Path | None = None, draws: int = DRAWS, seeds_per_draw: int = SEEDS_PER_DRAW, seed: int = 0
) -> PosteriorDraws:
    """``draws`` sets of constants resampled by weight from the posterior at ``path`` (default: the shipped one).

    ``seed`` (the scenario's) makes the draws reproducible; they are shuffled
    so that the first draws are not the lowest particles.
    """
    import numpy as np

    from .fileio import sha256_file

    for option, value in (("--draws", draws), ("--seeds-per-draw", seeds_per_draw)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UserError(f"{option} must be a whole number of at least 1; got {str(value)[:100]}.")
    if draws * seeds_per_draw > MAX_REPLICATIONS:
        raise UserError(
            f"--draws {draws} x --seeds-per-draw {seeds_per_draw} makes {draws * seeds_per_draw:,} runs per "
            f"scenario; at most {MAX_REPLICATIONS:,} are allowed."
        )
    path = SHIPPED if path is None else Path(path)
    frame, info = read_posterior(path)
    names = [c for c in frame.columns if c != WEIGHT]
    weights = frame[WEIGHT].to_numpy(dtype=float)
    rng = np.random.default_rng([abs(int(seed)), DRAW_STREAM])
    chosen = systematic_resample(weights / weights.sum(), draws, rng)
    rng.shuffle(chosen)
    values = frame[names].to_numpy(dtype=float)
    try:
        sets = tuple({name: check_constant(name, float(values[i, j])) for j, name in enumerate(names)} for i in chosen)
    except ConstantError as exc:  # read_posterior checked the ranges; this is the model's own rule, said once
        raise UserError(f"{display(path)}: a particle the model cannot run: {exc}") from None
    return PosteriorDraws(
        path=path,
        sha256=sha256_file(path),
        info=info,
        draws=sets,
        seeds_per_draw=seeds_per_draw,
        particles=len(frame),
        fitted=tuple(names),
    )


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: Any) -> list[float]:
    """Quantiles ``qs`` of weighted ``values`` (the smallest value whose cumulative weight reaches each)."""
    import numpy as np

    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    cum = cum / cum[-1]
    return [float(values[order][min(np.searchsorted(cum, q), len(values) - 1)]) for q in qs]
