"""Reading a published results folder back: verified, with clean errors, and its report rebuilt.

Every command that reads a results folder (``report``) goes through
:func:`read_results`: the folder's ``checksums.json`` is verified first, and
a missing, damaged or changed file is named in one paragraph. A folder whose
list is missing, empty or leaves a file out is read with a note that those
files cannot be verified, so every file is also checked for what the report
needs: a size no larger than any results folder holds (read before parsing),
one row per scenario and outcome or per replication and week, finite numbers,
plain scenario names (they name files in ``scenarios/``) and the same
scenarios in every table. ``report --out`` never replaces one of the folder's
own files or a file that is not an HTML report. Split from :mod:`publishing`
(which writes results folders).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UserError, clip, display, shorten
from .fileio import CHECKSUMS, atomic_write_text, verify_checksums
from .i18n import DEFAULT_LANGUAGE
from .limits import MAX_HORIZON, MAX_RESULTS_FILE_BYTES, MAX_RESULTS_TABLE_BYTES
from .posterior import CONCLUSIONS_COLUMNS, CONCLUSIONS_NUMBERS
from .publishing import CONCLUSIONS_FILE, REGIME_FILE, UNCHECKED, Notify

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
REGIME_COLUMNS = (
    "lever",
    "value",
    "branch",
    "outcome",
    "mean",
    "low",
    "high",
    "converged",
    "hysteresis",
    "tipping_after",
)
"""Columns of a run folder's regime.csv a report reads."""
REGIME_RECORD = ("horizon", "min_converged")
"""What the provenance of a run made with ``--regime`` must record for its diagram to be read."""
SHOWN_MISSING = 3
"""Most missing outcomes named in an error about summary.csv (and unverified files named in a note)."""
WHOLE_COLUMNS = {"replication": None, "seed": None, "week": MAX_HORIZON}
"""Columns of timeseries.parquet that hold whole numbers from 0 up, and the largest each may hold (None: any)."""
MEANS = {"summary.csv": ("mean",), "differences.csv": ("reference_mean", "scenario_mean", "difference")}
"""Columns of a table that must hold a finite number in every row (its interval may be empty: one replication)."""
BYTES_PER_CELL = 8
"""Memory of one number of a table once read, for the size of a Parquet file's table before it is read."""
HTML_SNIFF_BYTES = 1024
"""How much of an existing --out file is read to tell an HTML page from another file."""
HTML_STARTS = ("<!doctype html", "<html")
"""How an HTML page begins (after white space), in lower case."""


def _damaged(path: Path, what: str) -> UserError:
    return UserError(
        f"{display(path)}: {what}. This file is written by 'python3 run.py' or 'python3 run.py compare'; "
        "run the scenario again to get a complete results folder."
    )


def _where(path: Path, row: int) -> str:
    """Where row ``row`` (from 0) of a table is in its file: the line of a CSV file, the row of a Parquet file."""
    return f"row {row + 1}" if path.suffix == ".parquet" else f"line {row + 2}"


def _check_size(path: Path) -> None:
    """Refuse a missing or special file, or one larger than any results folder holds, before anything reads it.

    Why: without checksums nothing else bounds what ``report`` reads, and pandas holds a whole file in memory.
    """
    limit = MAX_RESULTS_FILE_BYTES if path.suffix == ".parquet" else MAX_RESULTS_TABLE_BYTES
    try:
        info = path.stat()
    except FileNotFoundError:
        raise _damaged(path, "the file is missing") from None
    if not stat.S_ISREG(info.st_mode):
        raise _damaged(path, "it is not a regular file")
    if info.st_size > limit:
        raise _damaged(path, f"the file is {info.st_size:,} bytes, more than the {limit:,} such a file may have")


def _check_parquet_size(path: Path) -> None:
    """Refuse a Parquet file whose table would be larger than the cap once read (a small file can hold a huge one)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        cells = meta.num_rows * meta.num_columns
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for a damaged file
        raise _damaged(path, f"the file cannot be read ({type(exc).__name__}: {clip(str(exc))})") from None
    size = max(unpacked, cells * BYTES_PER_CELL)
    if size > MAX_RESULTS_FILE_BYTES:
        raise _damaged(
            path,
            f"its table of {meta.num_rows:,} rows and {meta.num_columns:,} columns would take about {size:,} bytes "
            f"once read, more than the {MAX_RESULTS_FILE_BYTES:,} a results table may take",
        )


NAME_COLUMNS = ("scenario", "reference", "outcome")
"""Columns of results tables that hold names, read as text (never guessed to be numbers or missing values)."""


def _read_frame(path: Path, needed: Sequence[str]) -> Any:
    """A parquet or CSV file as a DataFrame with the ``needed`` numeric or text columns, or a UserError."""
    import pandas as pd

    _check_size(path)
    if path.suffix == ".parquet":
        _check_parquet_size(path)
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:  # names are text as written: a scenario called 'NA' or '2025.10' is neither missing nor a number
            names = dict.fromkeys(NAME_COLUMNS, str)
            frame = pd.read_csv(path, dtype=names, keep_default_na=False, na_values=[""])  # pandas writes NaN as ""
    except Exception as exc:  # noqa: BLE001 - pyarrow and pandas raise many kinds for a damaged file
        raise _damaged(path, f"the file cannot be read ({type(exc).__name__}: {clip(str(exc))})") from None
    twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if twice:
        raise _damaged(path, f"the column {shorten(twice[0])} appears more than once")
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


def _numbers(path: Path, frame: Any, column: str) -> Any:
    """A numeric column as floats (missing values as NaN)."""
    try:
        return frame[column].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise _damaged(path, f"the column {column} does not hold numbers") from None


def _shown(value: Any) -> str:
    """A value of a table as the user wrote it (``2.5``, not ``np.float64(2.5)``), cut short."""
    return shorten(value.item() if isinstance(value, np.generic) else value)


def _refuse_row(path: Path, frame: Any, column: str, bad: Any, allowed: str) -> None:
    """A UserError naming the first row where ``bad`` is true, its value and what ``column`` allows."""
    if bad.any():
        row = int(np.argmax(bad))
        value = _shown(frame[column].iloc[row])
        raise _damaged(path, f"the column {column} holds {value} in {_where(path, row)}; it must hold {allowed}")


def _check_finite(path: Path, frame: Any, columns: Sequence[str], empty_ok: bool = False) -> None:
    """Refuse infinite numbers, and missing ones unless ``empty_ok`` (an interval of one replication is empty)."""
    for column in columns:
        values = _numbers(path, frame, column)
        bad = np.isinf(values) if empty_ok else ~np.isfinite(values)
        _refuse_row(path, frame, column, bad, "finite numbers or nothing" if empty_ok else "finite numbers")


def _check_whole(path: Path, frame: Any, columns: dict[str, int | None]) -> None:
    """Refuse weeks, replications and seeds that are not whole numbers from 0 up (to the longest horizon: weeks)."""
    for column, most in columns.items():
        values = _numbers(path, frame, column)
        with np.errstate(invalid="ignore"):
            good = np.isfinite(values) & (values >= 0) & (values == np.floor(values))
            if most is not None:
                good &= values <= most
        _refuse_row(
            path, frame, column, ~good, f"whole numbers from 0 to {most:,}" if most else "whole numbers from 0 up"
        )


def _check_text(path: Path, frame: Any, columns: Sequence[str]) -> None:
    """Refuse empty names (scenario, outcome, reference) and read the rest as text, whatever pandas guessed."""
    for column in columns:
        empty = frame[column].isna().to_numpy()
        if empty.any():
            where = _where(path, int(np.argmax(empty)))
            raise _damaged(path, f"the column {column} is empty in {where}; it must hold a name in every row")
        frame[column] = frame[column].astype(str)


def _check_unique(path: Path, frame: Any, keys: Sequence[str], what: str) -> None:
    """Refuse a table that holds the same key twice (two rows for one outcome, or for one week of a run)."""
    twice = frame.duplicated(list(keys)).to_numpy()
    if twice.any():
        row = int(np.argmax(twice))
        shown = ", ".join(f"{k} {_shown(frame[k].iloc[row])}" for k in keys)
        raise _damaged(path, f"a second row for {shown} ({_where(path, row)}); the file holds one row per {what}")


def _check_plain_names(path: Path, names: Sequence[str]) -> None:
    """Refuse a scenario name that is not a plain file name: it names a file in the folder's scenarios/."""
    for name in names:
        if name in ("", ".", "..") or any(c in name for c in "/\\\0") or not name.isprintable():
            raise _damaged(
                path,
                f"it names the scenario {shorten(name)}; a scenario's name names a file in the folder, so it is "
                "never empty, '.' or '..', and holds no '/', '\\' or control characters",
            )


def _read_conclusions(folder: Path) -> Any:
    """The posterior's robust-conclusions table kept in the folder, or None (the point model, or none was made)."""
    path = folder / CONCLUSIONS_FILE
    if not path.exists():
        return None
    frame = _read_frame(path, CONCLUSIONS_COLUMNS)
    _check_numbers(path, frame, CONCLUSIONS_NUMBERS)
    return frame


def _read_regime(folder: Path, prov: dict[str, Any]) -> Any:
    """The regime diagram's table of a run made with ``--regime LEVER``, or None."""
    path = folder / REGIME_FILE
    if not path.exists():
        return None
    record = prov.get("regime")
    missing = [k for k in REGIME_RECORD if not isinstance(record, dict) or not isinstance(record.get(k), int | float)]
    if missing:
        raise _damaged(
            folder / "scenario.yaml",
            f"its provenance does not record the regime diagram's {' and '.join(missing)}, which {REGIME_FILE} needs",
        )
    frame = _read_frame(path, REGIME_COLUMNS)
    _check_numbers(path, frame, ("value", "mean", "low", "high", "converged"))
    return frame


def _scenario_file(path: Path) -> tuple[Any, dict[str, Any]]:
    """The scenario of a results folder and the provenance recorded with it."""
    from .scenario import load_scenario
    from .yamlio import load_mapping

    _check_size(path)
    scenario = load_scenario(path)
    prov = load_mapping(path, "results scenario file")[0].get("provenance")
    prov = dict(prov) if isinstance(prov, dict) else {}
    if scenario.description == f"Resolved from {prov.get('source')}":
        scenario.description = ""  # written in place of an empty description
    return scenario, prov


def _check_outcomes(path: Path, frame: Any, names: Sequence[str]) -> None:
    """Every outcome of the model once per scenario of ``names``: a table cut short or doubled is refused."""
    from .metrics import COLUMN_NAMES

    keys = ["scenario", "outcome"] if "scenario" in frame.columns else ["outcome"]
    _check_unique(path, frame, keys, "scenario and outcome" if len(keys) == 2 else "outcome")
    groups = dict(iter(frame.groupby("scenario", sort=False)["outcome"])) if len(keys) == 2 else {"": frame["outcome"]}
    for scenario in names:
        absent = sorted(set(COLUMN_NAMES) - set(groups.get(scenario, ())))
        if absent:
            where = f" of scenario {scenario}" if scenario else ""
            shown = ", ".join(absent[:SHOWN_MISSING]) + (", ..." if len(absent) > SHOWN_MISSING else "")
            raise _damaged(path, f"the outcome(s) {shown}{where} are missing")


def _stray(path: Path, frame: Any, names: Sequence[str], table_path: Path) -> None:
    """Refuse a table naming a scenario that the comparison's timeseries does not hold."""
    stray = [s for s in frame["scenario"].unique() if s not in set(names)]
    if stray:
        raise _damaged(
            path,
            f"it names the scenario {shorten(stray[0])}, which is not in {table_path.name} (that holds "
            f"{clip(', '.join(names[:SHOWN_MISSING]))}{', ...' if len(names) > SHOWN_MISSING else ''})",
        )


def _read_table(folder: Path, names_column: bool) -> tuple[Any, Any]:
    from .metrics import COLUMN_NAMES

    table_path, summary_path = folder / "timeseries.parquet", folder / "summary.csv"
    needed = ["scenario"] * names_column + ["replication", "seed", "week", *COLUMN_NAMES]
    table = _read_frame(table_path, needed)
    _check_numbers(table_path, table, needed[names_column:])
    _check_whole(table_path, table, WHOLE_COLUMNS)
    _check_finite(table_path, table, COLUMN_NAMES)
    summary = _read_frame(summary_path, ["scenario"] * names_column + list(SUMMARY_COLUMNS))
    _check_numbers(summary_path, summary, SUMMARY_COLUMNS[1:])
    _check_finite(summary_path, summary, MEANS["summary.csv"])
    _check_finite(summary_path, summary, SUMMARY_COLUMNS[2:], empty_ok=True)
    if not names_column:
        for path, frame in ((table_path, table), (summary_path, summary)):
            if "scenario" in frame.columns:
                raise _damaged(path, "it has a scenario column, which a run's file does not (a comparison's has)")
        _check_text(summary_path, summary, ["outcome"])
        _check_unique(table_path, table, ("replication", "week"), "replication and week")
        _check_outcomes(summary_path, summary, [""])
        return table, summary
    _check_text(table_path, table, ["scenario"])
    _check_text(summary_path, summary, ["scenario", "outcome"])
    names = [str(n) for n in table["scenario"].unique()]
    _check_plain_names(table_path, names)
    _check_unique(table_path, table, ("scenario", "replication", "week"), "scenario, replication and week")
    _stray(summary_path, summary, names, table_path)
    _check_outcomes(summary_path, summary, names)
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
        "schedule": scenario.schedule,
        "conclusions": _read_conclusions(folder),
        "regime": _read_regime(folder, prov),
    }


def _read_differences(folder: Path, names: list[str]) -> tuple[Any, list[str]]:
    """differences.csv, checked against the compared ``names``; and the names with the reference first."""
    table_path, path = folder / "timeseries.parquet", folder / "differences.csv"
    diffs = _read_frame(path, DIFFERENCE_COLUMNS)
    _check_numbers(path, diffs, DIFFERENCE_NUMBERS)
    _check_finite(path, diffs, MEANS["differences.csv"])
    _check_finite(path, diffs, DIFFERENCE_NUMBERS[3:], empty_ok=True)
    _check_text(path, diffs, ["scenario", "reference", "outcome"])
    references = list(diffs["reference"].unique())
    if len(references) > 1:
        raise _damaged(
            path,
            f"it names more than one reference ({shorten(references[0])} and {shorten(references[1])}); every "
            "scenario is compared with the first one",
        )
    reference = references[0]
    if reference not in names:
        raise _damaged(path, f"its reference {shorten(reference)} is not in {table_path.name}")
    _stray(path, diffs, names, table_path)
    if (diffs["scenario"] == reference).any():
        raise _damaged(path, f"it compares the reference {shorten(reference)} with itself")
    others = [n for n in names if n != reference]
    _check_outcomes(path, diffs, others)
    return diffs, [reference, *others]


def _scenario_files(folder: Path, names: Sequence[str]) -> None:
    """Refuse a comparison whose scenarios/ holds a scenario that its tables leave out (or none at all)."""
    table_path = folder / "timeseries.parquet"
    files = sorted(p.stem for p in (folder / "scenarios").glob("*.yaml")) if (folder / "scenarios").is_dir() else []
    left_out = [f for f in files if f not in set(names)]
    if left_out:
        raise _damaged(
            table_path,
            f"it holds no rows of the scenario {shorten(left_out[0])}, which scenarios/{left_out[0]}.yaml says was "
            "compared",
        )
    if len(names) < 2:
        raise _damaged(table_path, f"it holds only the scenario {shorten(names[0])}; a comparison holds two or more")


def _read_compare(folder: Path) -> dict[str, Any]:
    table, summary = _read_table(folder, names_column=True)
    names = [str(n) for n in table["scenario"].unique()]
    _scenario_files(folder, names)
    diffs, names = _read_differences(folder, names)
    descriptions, params, schedules, prov = {}, {}, {}, {}
    for n in names:
        scenario, prov = _scenario_file(folder / "scenarios" / f"{n}.yaml")
        descriptions[n], params[n], schedules[n] = scenario.description, scenario.params, scenario.schedule
    for key in ("compared_as", "source", "extends_chain", "overrides"):
        prov.pop(key, None)
    return {
        "names": names,
        "descriptions": descriptions,
        "params": params,
        "table": table,
        "summary": summary,
        "diffs": diffs,
        "provenance": prov,
        "schedules": schedules,
        "conclusions": _read_conclusions(folder),
    }


def _data_files(folder: Path) -> list[str]:
    """The files of a results folder its checksums.json must list: all but report.html (and hidden temporaries)."""
    found = []
    for sub in (folder, folder / "scenarios"):
        if sub.is_dir():
            found += [p for p in sorted(sub.iterdir()) if p.is_file() and not p.name.startswith(".")]
    names = [p.relative_to(folder).as_posix() for p in found]
    return [n for n in names if n not in (*UNCHECKED, CHECKSUMS) and not n.lower().endswith(".html")]


def _verify(folder: Path, notify: Notify | None) -> None:
    """Verify the folder's checksums; a list missing, empty or cut short is said, like an old folder's, not trusted."""
    unverified = verify_checksums(folder, _data_files(folder))
    if not unverified or notify is None:
        return
    if not (folder / CHECKSUMS).exists():
        notify(
            f"note: {display(folder)} has no {CHECKSUMS} (written by an older cocreate_sim), so its files "
            "cannot be verified; they are read as they are."
        )
        return
    shown = ", ".join(unverified[:SHOWN_MISSING]) + (", ..." if len(unverified) > SHOWN_MISSING else "")
    so = (
        "that file cannot be verified; it is read as it is"
        if len(unverified) == 1
        else "those files cannot be verified; they are read as they are"
    )
    notify(f"note: {display(folder / CHECKSUMS)} does not list {shown}, so {so}.")


def read_results(folder: Path, notify: Notify | None = None) -> tuple[str, dict[str, Any]]:
    """``("run" | "compare", arguments of render_run or render_compare)`` read from a verified results folder."""
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "no such folder"
        raise UserError(
            f"{display(folder)}: {what}. Give a results folder, e.g. 'python3 run.py report results/NAME-TIMESTAMP'."
        )
    if (folder / "scenario.yaml").exists():
        _verify(folder, notify)
        return "run", _read_run(folder)
    if (folder / "differences.csv").exists() or (folder / "scenarios").is_dir():
        _verify(folder, notify)
        return "compare", _read_compare(folder)
    raise UserError(
        f"{display(folder)}: not a results folder. A run folder holds {', '.join(RUN_FILES)}; a comparison "
        f"folder holds {', '.join(COMPARE_FILES)} (both written by 'python3 run.py' into results/)."
    )


def _is_html(path: Path) -> bool:
    """Whether a file begins as an HTML page does (a report this or another program wrote)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HTML_SNIFF_BYTES)
    except OSError:
        return False
    return head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n").lower().startswith(HTML_STARTS)


def _is_results_folder(folder: Path) -> bool:
    return (folder / "summary.csv").is_file() and any(
        (folder / n).exists() for n in ("scenario.yaml", "differences.csv")
    )


def check_out(folder: Path, out: Path) -> None:
    """Refuse an ``--out`` that would destroy data: a results folder's own file, or a file that is not a report.

    Why: the report is written over whatever ``--out`` names, so a slip of the keyboard (``--out
    res/X/summary.csv``) would replace results with HTML. Allowed: a new, empty or existing HTML file ending in
    .html outside any other results folder, or directly in this folder (its report.html, or one in another
    language); the folder's data files never end in .html.
    """
    home = folder.resolve()
    hint = (
        f"Give a file name ending in .html outside the results folder, e.g. --out {home.name or 'report'}.html, or "
        f"leave out --out to rewrite {display(folder / 'report.html')}."
    )
    where = out.parent.resolve() / out.name  # the file itself is replaced, not followed if it is a link
    beside = where.parent == home and where.suffix.lower() == ".html"  # a report beside the data: never data
    if where.is_relative_to(home) and not beside:
        raise UserError(
            f"--out {display(out)} is inside the results folder {display(folder)}, whose files hold the results the "
            f"report is made from; only an .html report may be written there, beside them. {hint}"
        )
    if not beside and _is_results_folder(where.parent):
        raise UserError(
            f"--out {display(out)} is inside another results folder, {display(where.parent)}, whose report must "
            f"stay its own. {hint}"
        )
    if out.suffix.lower() != ".html":
        raise UserError(f"--out {display(out)}: a report is an HTML page, so its file name must end in .html. {hint}")
    try:
        mode = os.stat(out).st_mode
    except FileNotFoundError:  # a new file (or a link to none: the link is replaced)
        return
    if stat.S_ISDIR(mode):
        raise UserError(f"--out {display(out)} is a folder, not a file. {hint}")
    if not stat.S_ISREG(mode) or (os.stat(out).st_size > 0 and not _is_html(out)):  # a pipe is never opened
        raise UserError(
            f"--out {display(out)} already exists and is not an HTML report, so writing the report there would "
            f"destroy it. {hint}"
        )


def rebuild_report(
    folder: str | Path, out: str | Path | None = None, notify: Notify | None = None, lang: str = DEFAULT_LANGUAGE
) -> Path:
    """Write ``report.html`` again from a results folder's verified files (or to ``out``); return the file written.

    The report is written in ``lang``, whatever language the folder's report was in before (the folder's
    other files hold no words of a report). Raises UserError naming the folder or file when the folder is missing,
    is not a results folder, or holds a missing, damaged or changed file, or when ``out`` would replace one of the
    folder's files or a file that is not an HTML report (:func:`check_out`).
    """
    from .reports import render_compare, render_run

    folder = Path(folder)
    target = Path(out) if out is not None else folder / "report.html"
    if out is not None and folder.is_dir():
        check_out(folder, target)
    kind, page_args = read_results(folder, notify)
    page = render_run(**page_args, lang=lang) if kind == "run" else render_compare(**page_args, lang=lang)
    try:
        atomic_write_text(target, page)
    except OSError as exc:
        raise UserError(f"{display(target)}: cannot write the report ({exc.strerror or exc}).") from None
    return target
