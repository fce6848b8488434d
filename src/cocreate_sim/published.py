"""Reading a published results folder back: verified, with clean errors, and its report rebuilt.

Every command that reads a results folder (``report``) goes through
:func:`read_results`: the folder's ``checksums.json`` is verified first, and
a missing, damaged or changed file is named in one paragraph. Split from
:mod:`publishing` (which writes results folders).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import UserError, clip, display
from .fileio import CHECKSUMS, atomic_write_text, verify_checksums
from .i18n import DEFAULT_LANGUAGE
from .posterior import CONCLUSIONS_COLUMNS, CONCLUSIONS_NUMBERS
from .publishing import CONCLUSIONS_FILE, REGIME_FILE, Notify

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
"""Most missing outcomes named in an error about summary.csv."""


def _damaged(path: Path, what: str) -> UserError:
    return UserError(
        f"{display(path)}: {what}. This file is written by 'python3 run.py' or 'python3 run.py compare'; "
        "run the scenario again to get a complete results folder."
    )


def _read_frame(path: Path, needed: Sequence[str]) -> Any:
    """A parquet or CSV file as a DataFrame with the ``needed`` numeric or text columns, or a UserError."""
    import pandas as pd

    if not path.is_file():
        raise _damaged(path, "the file is missing")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow and pandas raise many kinds for a damaged file
        raise _damaged(path, f"the file cannot be read ({type(exc).__name__}: {clip(str(exc))})") from None
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

    if not path.is_file():
        raise _damaged(path, "the file is missing")
    scenario = load_scenario(path)
    prov = load_mapping(path, "results scenario file")[0].get("provenance")
    prov = dict(prov) if isinstance(prov, dict) else {}
    if scenario.description == f"Resolved from {prov.get('source')}":
        scenario.description = ""  # written in place of an empty description
    return scenario, prov


def _read_table(folder: Path, names_column: bool) -> tuple[Any, Any]:
    from .metrics import COLUMN_NAMES

    table_path, summary_path = folder / "timeseries.parquet", folder / "summary.csv"
    needed = ["scenario"] * names_column + ["replication", "seed", "week", *COLUMN_NAMES]
    table = _read_frame(table_path, needed)
    _check_numbers(table_path, table, needed[names_column:])
    summary = _read_frame(summary_path, ["scenario"] * names_column + list(SUMMARY_COLUMNS))
    _check_numbers(summary_path, summary, SUMMARY_COLUMNS[1:])
    groups = summary.groupby("scenario", sort=False)["outcome"] if names_column else [("", summary["outcome"])]
    for scenario, outcomes in groups:
        absent = sorted(set(COLUMN_NAMES) - set(outcomes))
        if absent:
            where = f" of scenario {scenario}" if scenario else ""
            shown = ", ".join(absent[:SHOWN_MISSING]) + (", ..." if len(absent) > SHOWN_MISSING else "")
            raise _damaged(summary_path, f"the outcome(s) {shown}{where} are missing")
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


def _read_compare(folder: Path) -> dict[str, Any]:
    table, summary = _read_table(folder, names_column=True)
    diffs_path = folder / "differences.csv"
    diffs = _read_frame(diffs_path, DIFFERENCE_COLUMNS)
    _check_numbers(diffs_path, diffs, DIFFERENCE_NUMBERS)
    names = [str(n) for n in table["scenario"].unique()]
    descriptions, params, schedules, prov = {}, {}, {}, {}
    for n in names:
        scenario, prov = _scenario_file(folder / "scenarios" / f"{n}.yaml")
        descriptions[n], params[n], schedules[n] = scenario.description, scenario.params, scenario.schedule
    for key in ("compared_as", "source", "extends_chain", "overrides"):
        prov.pop(key, None)
    stray = sorted({str(s) for s in summary["scenario"]} - set(names))
    if stray:
        raise _damaged(folder / "summary.csv", f"scenario {stray[0]} is not in timeseries.parquet")
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


def _verify(folder: Path, notify: Notify | None) -> None:
    if not verify_checksums(folder) and notify is not None:
        notify(
            f"note: {display(folder)} has no {CHECKSUMS} (written by an older cocreate_sim), so its files "
            "cannot be verified; they are read as they are."
        )


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


def rebuild_report(
    folder: str | Path, out: str | Path | None = None, notify: Notify | None = None, lang: str = DEFAULT_LANGUAGE
) -> Path:
    """Write ``report.html`` again from a results folder's verified files (or to ``out``); return the file written.

    The report is written in ``lang``, whatever language the folder's report was in before (the folder's
    other files hold no words of a report). Raises UserError naming the folder or file when the folder is missing,
    is not a results folder, or holds a missing, damaged or changed file.
    """
    from .reports import render_compare, render_run

    folder = Path(folder)
    kind, page_args = read_results(folder, notify)
    page = render_run(**page_args, lang=lang) if kind == "run" else render_compare(**page_args, lang=lang)
    target = Path(out) if out is not None else folder / "report.html"
    try:
        atomic_write_text(target, page)
    except OSError as exc:
        raise UserError(f"{display(target)}: cannot write the report ({exc.strerror or exc}).") from None
    return target
