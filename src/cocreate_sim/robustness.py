"""Robustness of a scenario's results to its behavioural constants: each moved by -20% and +20%.

The levers (:mod:`cocreate_sim.params`) are what a scenario chooses; the
behavioural constants (:mod:`cocreate_sim.constants`) are how people are
assumed to respond, and most of their sizes are assumed. This check runs the
scenario once at the declared constants (the baseline) and once for every
behavioural constant at 0.8 and at 1.2 times its value, every run on the same
seeds (common random numbers), and reports for each constant, change and
headline outcome the mean paired difference from the baseline at the final
week with its 95% t-interval, against an absolute tolerance
(:data:`TOLERANCES`). A result that stays within tolerance under every change
does not hang on an assumed size.

A whole-number constant is rounded after the change; one that rounding leaves
unchanged is skipped with a note. Each (variant, seed) is one task of
:mod:`cocreate_sim.executor`, so the runs spread over processes or Dask and a
run depends only on its seed. ``python3 run.py robustness SCENARIO.yaml``
publishes ``robustness-<scenario>-<timestamp>/`` with ``robustness.csv``
(:data:`CSV_COLUMNS`), ``runs.csv`` (every run's outcomes, to check the
pairing), ``scenario.yaml`` with provenance and ``checksums.json``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .constants import BEHAVIOURAL, CONSTANTS, check_constant
from .errors import UserError, clip, did_you_mean
from .fileio import atomic_write_text
from .statistics import mean_ci, replication_seeds

CHANGES: tuple[float, ...] = (-0.2, 0.2)
"""Relative changes of each constant: -20% and +20% of its declared value."""
MIN_REPLICATIONS = 20
"""Fewest paired seeds the check uses unless --replications says otherwise."""
OUTCOMES: tuple[str, ...] = ("uptake", "inclusion_ratio", "trust_mean", "legitimacy", "backlog")
"""Headline outcomes the check reads, at the final week of the horizon."""
TOLERANCES: dict[str, float] = {"uptake": 0.03, "inclusion_ratio": 0.05, "trust_mean": 0.03, "legitimacy": 0.03}
"""Absolute tolerance per outcome; backlog's is one week of the operations department's hours (:func:`tolerances`)."""
OPERATIONS_HOURS_CONSTANT = "hours_per_week"
"""The constant holding a worker's weekly hours, which sets backlog's tolerance."""
CSV_COLUMNS: tuple[str, ...] = (
    "constant",
    "kind",
    "change",
    "outcome",
    "baseline",
    "value",
    "diff",
    "ci_low",
    "ci_high",
    "tolerance",
)
"""The columns of robustness.csv, in order; ``within`` and ``constant_value`` follow them."""
EXTRA_COLUMNS: tuple[str, ...] = ("within", "constant_value")
"""After :data:`CSV_COLUMNS`: whether |diff| <= tolerance, and the value the constant took."""
SIGNIFICANT_DIGITS = 12
"""A changed constant is written with this many significant digits (0.06 x 1.2 is 0.072, not 0.07200000000000001)."""
SHOWN_OUTSIDE = 40
"""Most rows outside tolerance the terminal summary lists (robustness.csv has them all)."""

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Variant:
    """One arm of the check: the baseline (``constant`` None) or one constant at a changed value."""

    constant: str | None
    change: float
    value: float | int | None

    @property
    def label(self) -> str:
        if self.constant is None:
            return "the baseline"
        return f"{self.constant} {self.change:+.0%} ({self.value:g})"


BASELINE = Variant(None, 0.0, None)
"""The arm at the declared constants."""


# ------------------------------------------------------------------ planning
def changed_value(name: str, change: float) -> float | int | None:
    """Constant ``name`` moved by ``change`` (-0.2 is -20%), rounded if whole; None when that leaves it unchanged.

    A whole-number constant rounds half up (2.5 -> 3). The result is checked
    by :func:`cocreate_sim.constants.check_constant`.
    """
    declared = CONSTANTS[name].value
    moved = float(f"{declared * (1 + change):.{SIGNIFICANT_DIGITS}g}")
    if CONSTANTS[name].integer:
        moved = int(math.floor(moved + 0.5))
    if moved == declared:
        return None
    return check_constant(name, moved)


SHOWN_UNKNOWN = 10
"""Most further unknown names of ``--constants`` listed in its error (a pasted list is not a page of names)."""


def parse_constant_names(text: str | None) -> list[str] | None:
    """``--constants a,b,c`` as a list of declared constant names (None: every behavioural one); else UserError."""
    if text is None:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UserError(
            "--constants: give one or more constant names separated by commas, e.g. "
            "--constants practice_rate,recovery ('python3 run.py constants' lists them)."
        )
    unknown = [n for n in names if n not in CONSTANTS]
    if unknown:
        first, others = unknown[0], unknown[1:]
        also = ", ".join(clip(u, 40) for u in others[:SHOWN_UNKNOWN])
        if len(others) > SHOWN_UNKNOWN:
            also += f" and {len(others) - SHOWN_UNKNOWN:,} more"
        raise UserError(
            f"--constants: unknown constant '{clip(first)}'.{did_you_mean(first, CONSTANTS)} "
            f"{'Also unknown: ' + also + '. ' if others else ''}"
            "'python3 run.py constants' lists every constant; the check varies the behavioural ones."
        )
    return list(dict.fromkeys(names))


def plan_variants(names: Sequence[str] | None = None) -> tuple[list[Variant], list[str]]:
    """The baseline and every (constant, change) arm for ``names`` (default: every behavioural constant).

    Returns the arms and the notes on what was left out (a whole-number
    constant rounding leaves unchanged) or is not behavioural.
    """
    names = list(BEHAVIOURAL) if names is None else list(names)
    variants, notes = [BASELINE], []
    for name in names:
        if CONSTANTS[name].kind != "behavioural":
            notes.append(
                f"note: {name} is a {CONSTANTS[name].kind} constant, not a behavioural one; it is varied "
                "because --constants names it."
            )
        skipped = []
        for change in CHANGES:
            value = changed_value(name, change)
            if value is None:
                skipped.append(f"{change:+.0%}")
            else:
                variants.append(Variant(name, change, value))
        if skipped:
            notes.append(
                f"note: {name} (whole number {CONSTANTS[name].value:g}) is skipped at {' and '.join(skipped)}: "
                "rounding leaves it unchanged."
            )
    return variants, notes


def tolerances(params: Mapping[str, Any]) -> dict[str, float]:
    """Absolute tolerance per outcome for a scenario's levers: backlog's is one week of operations' hours."""
    hours = CONSTANTS[OPERATIONS_HOURS_CONSTANT].value
    return {**TOLERANCES, "backlog": float(params["workers_per_department"]) * float(hours)}


# ------------------------------------------------------------------- running
def final_outcomes(task: tuple[int, int, Mapping[str, Any], Mapping[str, Any] | None, Any]) -> dict[str, float]:
    """One run's outcomes at its final week.

    ``task`` is ``(steps, seed, levers, changed constants or None, lever
    schedule or None)``; see :func:`cocreate_sim.runner.run_model`.

    Top-level so that worker processes and Dask import it; also the task of
    ``docs/lever_effects.py``.
    """
    from .runner import run_model

    steps, seed, params, constants, schedule = task
    changed = dict(constants) if constants else None
    return run_model(steps, seed, constants=changed, schedule=schedule or None, **params)


def _check_outcomes(outcomes: Sequence[str]) -> None:
    from .metrics import COLUMNS

    missing = [o for o in outcomes if o not in COLUMNS]
    if missing:  # pragma: no cover - a coding error: OUTCOMES names a column the model does not declare
        raise RuntimeError(f"robustness outcomes not declared in metrics.COLUMNS: {', '.join(missing)}")


def run_variants(
    variants: Sequence[Variant],
    steps: int,
    seeds: Sequence[int],
    params: Mapping[str, Any],
    processes: int | None = None,
    progress: bool = True,
    outcomes: Sequence[str] = OUTCOMES,
    schedule: Any = None,
) -> Any:
    """Every variant on every seed; one row per (variant, seed): ``constant``, ``change``, ``constant_value``,
    ``seed`` and each outcome at the final week. The baseline's ``constant`` is empty.

    Runs through :mod:`cocreate_sim.executor` (one task per run); the table does
    not depend on ``processes``.
    """
    import pandas as pd

    from .executor import make_executor

    _check_outcomes(outcomes)
    jobs = [(v, seed) for v in variants for seed in seeds]
    tasks = [
        (int(steps), int(seed), dict(params), {v.constant: v.value} if v.constant else None, schedule)
        for v, seed in jobs
    ]

    def describe(index: int, task: Any) -> str:
        variant, seed = jobs[index]
        return f"the run of {variant.label} with seed {seed}"

    results: list[Any] = [None] * len(tasks)
    with make_executor(len(tasks), processes, in_process_below=2) as executor:
        for index, out in executor.map_unordered(
            final_outcomes, tasks, progress=progress, desc="robustness runs", describe=describe
        ):
            results[index] = out
    rows = []
    for (variant, seed), out in zip(jobs, results, strict=True):
        row = {
            "constant": variant.constant or "",
            "change": variant.change,
            "constant_value": math.nan if variant.value is None else variant.value,
            "seed": int(seed),
        }
        row.update({o: float(out[o]) for o in outcomes})
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ measuring
def robustness_table(runs: Any, tols: Mapping[str, float], outcomes: Sequence[str] = OUTCOMES) -> Any:
    """robustness.csv from :func:`run_variants`' table: one row per (constant, change, outcome), paired by seed.

    ``diff`` is the mean over seeds of (run at the changed constant - baseline
    run on the same seed), with its 95% t-interval; ``within`` is |diff| <=
    tolerance.
    """
    import pandas as pd

    base = runs[runs["constant"] == ""].set_index("seed")
    rows = []
    for (name, change), arm in runs[runs["constant"] != ""].groupby(["constant", "change"], sort=False):
        arm = arm.set_index("seed")
        seeds = arm.index.intersection(base.index)
        for outcome in outcomes:
            diff, _, low, high = mean_ci((arm.loc[seeds, outcome] - base.loc[seeds, outcome]).to_numpy())
            tolerance = float(tols[outcome])
            rows.append(
                {
                    "constant": name,
                    "kind": CONSTANTS[name].kind,
                    "change": float(change),
                    "outcome": outcome,
                    "baseline": float(base.loc[seeds, outcome].mean()),
                    "value": float(arm.loc[seeds, outcome].mean()),
                    "diff": diff,
                    "ci_low": low,
                    "ci_high": high,
                    "tolerance": tolerance,
                    "within": bool(abs(diff) <= tolerance),
                    "constant_value": arm["constant_value"].iloc[0],
                }
            )
    return pd.DataFrame(rows, columns=[*CSV_COLUMNS, *EXTRA_COLUMNS])


def outside(table: Any) -> Any:
    """The rows of a robustness table outside tolerance, largest |diff| / tolerance first."""
    ratio = table["diff"].abs() / table["tolerance"]
    rows = table.assign(ratio=ratio)[~table["within"]]
    return rows.sort_values("ratio", ascending=False, na_position="last", kind="stable")


def summary_text(table: Any, shown: int = SHOWN_OUTSIDE) -> str:
    """For the terminal: how many rows lie within tolerance, then those outside, largest |diff|/tolerance first."""
    lines = [
        f"{int(table['within'].sum())} of {len(table)} (constant, change, outcome) rows have |diff| within tolerance."
    ]
    rows = outside(table)
    if rows.empty:
        return "\n".join(lines)
    header = ["constant", "change", "outcome", "diff [95% CI]", "tolerance", "|diff|/tol"]
    body = [
        [
            r.constant,
            f"{r.change:+.0%}",
            r.outcome,
            f"{r.diff:+.4g} [{r.ci_low:+.4g}, {r.ci_high:+.4g}]",
            f"{r.tolerance:g}",
            f"{r.ratio:.2f}",
        ]
        for r in rows.head(shown).itertuples()
    ]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    lines += ["", f"Outside tolerance ({len(rows)}), largest first:"]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in body]
    if len(rows) > shown:
        lines.append(f"... and {len(rows) - shown} more (see robustness.csv)")
    return "\n".join(lines)


# ----------------------------------------------------------------- publishing
@dataclass
class RobustnessResult:
    """What :func:`check_robustness` produced: the published folder, the table, the runs and the notes."""

    folder: Path
    table: Any
    runs: Any
    notes: list[str]


def check_robustness(
    scenario: Any,
    out_dir: str | Path = "results",
    *,
    steps: int | None = None,
    replications: int | None = None,
    names: Sequence[str] | None = None,
    processes: int | None = None,
    progress: bool = True,
    notify: Notify | None = None,
) -> RobustnessResult:
    """Run the check on a loaded scenario and publish ``out_dir/robustness-<scenario file stem>-<timestamp>/``.

    ``steps`` defaults to the scenario's horizon, ``replications`` to
    max(:data:`MIN_REPLICATIONS`, the scenario's); the seeds are the
    scenario's (``seed + i``). ``names`` limits the constants (default: every
    behavioural one). ``out_dir`` is checked before anything runs.
    """
    from .publishing import prepare_out_dir, provenance, publishing_dir
    from .scenario import scenario_yaml

    out_dir = prepare_out_dir(out_dir)
    steps = int(steps or scenario.steps)
    replications = int(replications or max(MIN_REPLICATIONS, scenario.replications))
    seeds = replication_seeds(scenario.seed, replications)
    variants, notes = plan_variants(names)
    for text in notes:
        if notify is not None:
            notify(text)
    if len(variants) == 1:
        raise UserError(
            "robustness: no constant left to vary (rounding leaves every whole-number constant named unchanged "
            "at +-20%); name other constants with --constants."
        )
    tols = tolerances(scenario.params)
    schedule = getattr(scenario, "schedule", None) or None
    runs = run_variants(variants, steps, seeds, scenario.params, processes, progress, schedule=schedule)
    table = robustness_table(runs, tols)
    prov = {
        **provenance(),
        "source": scenario.resolved.get("source", str(scenario.path)),
        "robustness": {
            "changes": list(CHANGES),
            "constants": sorted({v.constant for v in variants if v.constant}),
            "notes": [text.removeprefix("note: ") for text in notes],
            "seeds": f"{seeds[0]}..{seeds[-1]}",
            "tolerances": tols,
            "outcomes_at_week": steps,
        },
    }
    ran = dataclasses.replace(scenario, steps=steps, replications=replications)
    with publishing_dir(out_dir, f"robustness-{Path(scenario.path).stem}") as (work, final):
        atomic_write_text(work / "scenario.yaml", scenario_yaml(ran, prov))
        atomic_write_text(work / "robustness.csv", table.to_csv(index=False))
        atomic_write_text(work / "runs.csv", runs.to_csv(index=False))
    return RobustnessResult(final[0], table, runs, notes)
