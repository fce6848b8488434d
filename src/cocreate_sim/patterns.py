"""The six patterns of the model brief, as experiments with paired replications.

Pattern-oriented validation (Grimm et al. 2005): each pattern is an experiment
whose arms differ in one lever (or, for the shock of pattern 6, in one
disturbance of a running model) and share their seeds (common random
numbers), so an effect is the mean of paired differences with a 95%
t-interval. Nothing here produces an outcome; it only runs the model, disturbs
it where a pattern says so, and measures.

**The seed block.** Every arm of every pattern runs replications
``BASE_SEED + i`` for ``i = 0 .. REPLICATIONS - 1``: seeds 50,000 to 50,019.
This block was chosen for model v2 (issue 10) after its constants were fixed
in :mod:`cocreate_sim.constants_table`, and no constant was tuned on it: it is
used by nothing else in the package, its tests or docs/ (the first pattern
suite used 20,260-20,279, the seeds its constants were tuned on;
``docs/prior_predictive.py`` uses 10,000 and up, ``docs/long_run.py``
1,000,000 and up, scenarios 1 and up). The experiment designs that are new in
v2 (the size, week and window of pattern 6's backlog shock, and the split
arms of pattern 5) were chosen on exploratory seeds 10,000-10,019, never on
this block, and no constant was changed to make a pattern hold.

**Pattern 6, restated** (issue 10): "measuring only the old KPIs pulls staff
back to operations" is tested as a shock, not a lever contrast (the old
second half, ``hours_operations`` falls when co-creation value is measured,
was an identity: 37 hours times workers minus ``hours_cocreation``). At week
:data:`SHOCK_WEEK` of a running NPM-default model, :func:`backlog_shock` adds
:data:`SHOCK_SIZE` weeks of each department's capacity to its backlog; its
undisturbed twin runs on the same seed. Over the next :data:`SHOCK_WINDOW`
weeks the leaders' ``operations_pull_mean`` must rise (the old KPIs read
backlog, :mod:`mechanisms.measurement`) and the workers' ``hours_cocreation``
must fall (the pull lowers their willingness, :mod:`mechanisms.time_allocation`):
a cause disturbed, and the response measured downstream of the mechanism.
The second half keeps its lever contrast: measuring co-creation value
(``measure_cocreation_value`` 0.7 against 0) raises uptake.

**Pattern 5, reviewed.** Outreach no longer multiplies anyone's chances: it is
staff hours that build workers' relations with weak groups and knowledge of
their needs (:mod:`mechanisms.outreach`), and network design changes who hears
of an initiative (:mod:`mechanisms.participation`). The claim is measured as
before (the representation gap ``|1 - inclusion_ratio|`` at the final week),
with outreach alone and network design alone as arms of their own, so that
each lever's path is confirmed separately.

Used by ``tests/test_patterns.py`` (which asserts the sign and that the
interval excludes zero) and by ``python3 run.py patterns``, which publishes a
results folder ``results/patterns-<timestamp>/`` (``validation.md``,
``effects.csv``, ``img/pattern_*.png``) and, only with ``--update-docs``,
copies the figures to ``docs/img/`` and the text into ``docs/validation.md``:
between the markers :data:`BEGIN` and :data:`END` if that file has them, so
that the other sections of docs/validation.md (constants, robustness, lever
effects) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UserError, display
from .fileio import atomic_write_bytes, atomic_write_text
from .model import CoCreationModel
from .patterns_design import (  # noqa: F401 - the designs, re-exported for callers of this module
    BY_KEY,
    HORIZON,
    NPG_CONTEXT,
    PATTERNS,
    REPORTED_AFTER_SHOCK,
    REPORTED_PER_ARM,
    SHOCK_SIZE,
    SHOCK_WEEK,
    SHOCK_WINDOW,
    BacklogShock,
    Contrast,
    Pattern,
    backlog_shock,
)
from .runner import check_steps, release
from .statistics import clip_interval, mean_ci

REPLICATIONS = 20
"""Paired replications per arm: enough for every effect's interval to exclude zero."""
BASE_SEED = 50_000
"""Seed of replication 0 of every arm; replication i uses BASE_SEED + i (see the module docstring)."""
S_WINDOW = 26
"""Half a year: the window over which :func:`s_shape` measures how fast uptake rises."""
DOCS = Path(__file__).resolve().parents[2] / "docs"
"""The docs folder of this source tree, written only with ``--update-docs``."""
BEGIN = "<!-- patterns:begin (written by `python3 run.py patterns --update-docs`; edit patterns.py, not this) -->"
"""First line of the pattern section that ``--update-docs`` replaces in docs/validation.md."""
END = "<!-- patterns:end -->"
"""Last line of that section."""
TITLE = "# Pattern-oriented validation"
"""Heading of a results folder's validation.md (and of a docs/validation.md that holds only the patterns)."""
FIGURE_SIZE = (6.4, 3.2)
"""Size of a pattern's figure in inches."""
FIGURE_DPI = 100
"""Resolution of a pattern's figure."""
TITLE_FONT = 9
"""Font size of a pattern figure's title."""
LEGEND_FONT = 7
"""Font size of a pattern figure's legend."""
GRID_ALPHA = 0.3
"""Opacity of a pattern figure's grid."""
SHOCK_LINE_STYLE = ":"
"""Line style of the vertical line that marks the shock week in pattern 6's figure."""


@dataclass
class Effect:
    contrast: Contrast
    mean: float
    low: float
    high: float
    n: int

    @property
    def confirmed(self) -> bool:
        """The sign is as expected and the 95% interval excludes zero."""
        return (self.low > 0 and self.contrast.sign > 0) or (self.high < 0 and self.contrast.sign < 0)


@dataclass
class PatternResult:
    pattern: Pattern
    effects: list[Effect]
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    """Mean trajectory of the figure outcome per arm."""
    finals: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Per arm, per outcome: the final value of each replication (paired by index)."""
    windows: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Per arm, per outcome: each replication's mean over the response window (patterns with a shock only)."""
    shock_timing: tuple[int, int] | None = None
    """(week after which the shock landed, last week of the response window), for a pattern with a shock."""
    horizon: int = HORIZON
    """Weeks each run lasted."""
    reported: list[tuple[str, float, float, float]] = field(default_factory=list)
    """After a shock: (outcome, mean paired difference, low, high) for :data:`REPORTED_AFTER_SHOCK`."""


Job = tuple[dict[str, Any], int, int, int | None, float, dict[str, float] | None]
"""One pattern run: levers, seed, horizon, shock week (or None), shock size, changed constants (or None)."""


def _run_arm(args: Job) -> dict[str, np.ndarray]:
    """One replication: the model table as arrays (row = week, from 0), disturbed after ``shock_week`` if given."""
    params, seed, steps, shock_week, size, constants = args
    weeks = check_steps(steps)
    model = CoCreationModel(rng=seed, constants=constants, **params)
    try:
        for _ in range(weeks):
            if shock_week is not None and model.week == shock_week:
                backlog_shock(model, size)
            model.step()
        frame = model.datacollector.get_model_vars_dataframe()
    finally:
        release(model)
    out = {name: frame[name].to_numpy() for name in frame.columns}
    out["representation_gap"] = np.abs(1.0 - out["inclusion_ratio"])
    return out


def _jobs(pattern: Pattern, seeds: list[int], horizon: int, constants: Sequence[Any]) -> list[Job]:
    shock = pattern.shock
    week = shock.timing(horizon)[0] if shock else None
    return [
        (
            {**pattern.context, **arm},
            seed,
            horizon,
            week if shock and name in pattern.shocked else None,
            shock.size if shock else 0.0,
            constants[i],
        )
        for name, arm in pattern.arms.items()
        for i, seed in enumerate(seeds)
    ]


def _measure(pattern: Pattern, runs: list[dict[str, np.ndarray]], replications: int, horizon: int) -> PatternResult:
    """Finals, response windows, mean curves and effects of one pattern from its runs (arm by arm, seed by seed)."""
    result = PatternResult(pattern, [], horizon=horizon)
    if pattern.shock:
        result.shock_timing = pattern.shock.timing(horizon)
    for k, name in enumerate(pattern.arms):
        arm_runs = runs[k * replications : (k + 1) * replications]
        result.finals[name] = {key: np.array([r[key][-1] for r in arm_runs]) for key in arm_runs[0]}
        result.curves[name] = np.mean([r[pattern.figure_outcome] for r in arm_runs], axis=0)
        if result.shock_timing:
            first, last = result.shock_timing[0] + 1, result.shock_timing[1]
            result.windows[name] = {
                key: np.array([r[key][first : last + 1].mean() for r in arm_runs]) for key in arm_runs[0]
            }
    for contrast in pattern.contrasts:
        values = result.windows if contrast.after_shock else result.finals
        diff = values[contrast.b][contrast.outcome] - values[contrast.a][contrast.outcome]
        mean, _, low, high = mean_ci(diff)
        result.effects.append(Effect(contrast, mean, low, high, replications))
    if pattern.shocked:
        shocked = pattern.shocked[0]
        twin = next(c.a for c in pattern.contrasts if c.after_shock and c.b == shocked)
        for outcome in REPORTED_AFTER_SHOCK:
            mean, _, low, high = mean_ci(result.windows[shocked][outcome] - result.windows[twin][outcome])
            result.reported.append((outcome, mean, low, high))
    return result


def run_patterns(
    patterns: Sequence[Pattern],
    replications: int = REPLICATIONS,
    processes: int | None = None,
    base_seed: int = BASE_SEED,
    horizon: int | None = None,
    progress: bool = False,
    constants: Sequence[dict[str, float] | None] | None = None,
    cluster: str | None = None,
) -> list[PatternResult]:
    """Run every arm of every pattern on the same seeds, in one batch, and measure the contrasts.

    ``horizon`` replaces each pattern's own horizon (for quick trials);
    ``processes`` is the number of worker processes (default: all cores).
    The numbers do not depend on ``processes``: a run depends only on its seed
    (and, for a shocked arm, on the shock, which draws no random numbers).
    ``constants[i]`` (if given) are replication ``i``'s changed constants in
    every arm (draws from the posterior, :mod:`cocreate_sim.robust`). ``cluster``: a Dask scheduler's
    address to run on instead of this computer's processes.
    """
    from .executor import run_tasks

    seeds = [base_seed + i for i in range(replications)]
    drawn = list(constants) if constants is not None else [None] * replications
    if len(drawn) != replications:
        raise ValueError(f"{len(drawn)} sets of constants for {replications} replications")  # a coding error
    jobs = [job for pattern in patterns for job in _jobs(pattern, seeds, horizon or pattern.horizon, drawn)]
    runs: list[Any] = [None] * len(jobs)
    for index, run in run_tasks(
        _run_arm,
        jobs,
        workers=processes,
        cluster=cluster,
        progress=progress,
        desc="pattern runs",
        in_process_below=2,
    ):
        runs[index] = run
    results, start = [], 0
    for pattern in patterns:
        size = len(pattern.arms) * replications
        results.append(_measure(pattern, runs[start : start + size], replications, horizon or pattern.horizon))
        start += size
    return results


def run_pattern(
    pattern: Pattern,
    replications: int = REPLICATIONS,
    processes: int | None = None,
    base_seed: int = BASE_SEED,
    horizon: int | None = None,
) -> PatternResult:
    """Run every arm of ``pattern`` on the same seeds and measure its contrasts."""
    return run_patterns([pattern], replications, processes, base_seed, horizon)[0]


def s_shape(curve: np.ndarray, window: int = S_WINDOW) -> dict[str, float]:
    """Where an uptake curve rises fastest, against its start and its end.

    An S-shaped (or stepwise) rise is slow at first, steepest in the middle
    and flattening at the end; a straight line rises equally in every window.
    """
    rises = curve[window:] - curve[:-window]
    steepest = int(np.argmax(rises))
    return {
        "first_rise": float(rises[0]),
        "max_rise": float(rises[steepest]),
        "max_rise_week": float(steepest + window),
        "last_rise": float(rises[-1]),
    }


# ----------------------------------------------------------------- report
def _command(replications: int, horizon: int | None, base_seed: int = BASE_SEED) -> str:
    """The command that regenerates the document as it was made."""
    words = ["python3 run.py patterns"]
    if replications != REPLICATIONS:
        words.append(f"--replications {replications}")
    if horizon:
        words.append(f"--steps {horizon}")
    if base_seed != BASE_SEED:
        return " ".join([*words, f"--base-seed {base_seed}"])
    return " ".join([*words, "--update-docs"])


def _measured(res: PatternResult, contrast: Contrast) -> str:
    """Where a contrast is measured, in words."""
    if contrast.after_shock and res.shock_timing:
        first, last = res.shock_timing[0] + 1, res.shock_timing[1]
        return f"mean of weeks {first}-{last}"
    return f"week {res.horizon}"


def _summary_lines(
    results: list[PatternResult], replications: int, horizon: int | None, base_seed: int = BASE_SEED
) -> list[str]:
    from . import __version__

    last_seed = base_seed + replications - 1
    block = "a block no constant was tuned on" if base_seed == BASE_SEED else "a block other than the documented one"
    lines = [
        "## The six patterns",
        "",
        f"Generated by `{_command(replications, horizon, base_seed)}` (cocreate_sim {__version__}). Each pattern of "
        "`shared/MODEL-BRIEF.md` is an experiment: arms differ in",
        "the levers shown (pattern 6 also in a backlog shock to a running model) and share their seeds (common "
        "random numbers),",
        f"{replications} paired replications of {horizon or HORIZON} weeks each, seeds {base_seed}-{last_seed}: "
        f"{block}",
        "(see `src/cocreate_sim/patterns.py`). An effect is the mean paired difference (second arm minus first) "
        "at the final week,",
        "or over the weeks after the shock where the table says so, with its 95% t-interval; *confirmed* means "
        "the sign is the",
        "one the pattern predicts and the interval excludes zero. Context levers not listed are the NPM defaults "
        "(`python3 run.py params`).",
        "",
        "| # | pattern | outcome | measured | effect | 95% CI | confirmed |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, res in enumerate(results, 1):
        for eff in res.effects:
            c = eff.contrast
            lines.append(
                f"| {i} | {res.pattern.title} | {c.outcome}: {c.b} vs {c.a} | {_measured(res, c)} | {eff.mean:+.3f} "
                f"| [{eff.low:+.3f}, {eff.high:+.3f}] | {'yes' if eff.confirmed else 'NO'} |"
            )
    return [*lines, ""]


def _pattern_lines(i: int, res: PatternResult) -> list[str]:
    p = res.pattern
    lines = [f"### {i}. {p.title}", "", f"Sources: {p.source}. Context: `{p.context or 'NPM defaults'}`.", ""]
    if p.shock:
        lines += [f"Shock (arm *{', '.join(p.shocked)}*): {p.shock.describe(res.horizon)}.", ""]
    for name, arm in p.arms.items():
        m, _, lo, hi = mean_ci(res.finals[name][p.figure_outcome])
        lo, hi = clip_interval(p.figure_outcome, m, lo, hi)
        text = f"- **{name}** `{arm}`: final {p.figure_outcome} {m:.3f} [{lo:.3f}, {hi:.3f}]"
        if res.windows:
            wm, _, wlo, whi = mean_ci(res.windows[name][p.figure_outcome])
            wlo, whi = clip_interval(p.figure_outcome, wm, wlo, whi)
            text += f"; mean over the response window {wm:.3f} [{wlo:.3f}, {whi:.3f}]"
        reported = ", ".join(f"{o} {res.finals[name][o].mean():.3f}" for o in REPORTED_PER_ARM)
        lines.append(f"{text} (final {reported})")
    lines.append("")
    for eff in res.effects:
        where = " (mean over the weeks after the shock)" if eff.contrast.after_shock else ""
        lines.append(
            f"- {eff.contrast.claim}: {eff.contrast.outcome}{where} {eff.mean:+.3f} (95% CI {eff.low:+.3f} to "
            f"{eff.high:+.3f}), {'confirmed' if eff.confirmed else 'NOT confirmed'}."
        )
    if res.reported:
        shown = "; ".join(f"{o} {m:+.3f} [{lo:+.3f}, {hi:+.3f}]" for o, m, lo, hi in res.reported)
        lines.append(f"- Also after the shock (reported, not predicted): {shown}.")
    curve = res.curves.get("leader dialogue (1.0)")
    if p.key == "leader_dialogue" and curve is not None and len(curve) > S_WINDOW:
        shape = s_shape(curve)
        lines.append(
            f"- Shape with dialogue: rise over the first {S_WINDOW} weeks {shape['first_rise']:.3f}, steepest "
            f"{S_WINDOW}-week rise {shape['max_rise']:.3f} ending in week {shape['max_rise_week']:.0f}, rise over "
            f"the last {S_WINDOW} weeks {shape['last_rise']:.3f}: slow start, steep middle, flat end (an S, not a "
            "line)."
        )
    return [*lines, "", f"![{p.title}](img/pattern_{p.key}.png)", ""]


def _figure(res: PatternResult, path: Path) -> None:
    """The mean curve of the pattern's figure outcome, one line per arm, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .metrics import COLUMNS

    p = res.pattern
    fig, ax = plt.subplots(figsize=FIGURE_SIZE, dpi=FIGURE_DPI)
    for name, curve in res.curves.items():
        ax.plot(np.arange(len(curve)), curve, label=name)
    if res.shock_timing:
        ax.axvline(res.shock_timing[0], color="grey", linestyle=SHOCK_LINE_STYLE, label="backlog shock")
    col = COLUMNS.get(p.figure_outcome)
    ax.set_xlabel("week")
    ax.set_ylabel(f"{p.figure_outcome} ({col.unit})" if col else p.figure_outcome)
    ax.set_title(p.title, fontsize=TITLE_FONT)
    ax.legend(fontsize=LEGEND_FONT)
    ax.grid(alpha=GRID_ALPHA)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _effects_csv(results: list[PatternResult]) -> str:
    lines = ["pattern,outcome,arm_a,arm_b,expected_sign,n,effect,ci95_low,ci95_high,confirmed,measured"]
    for res in results:
        for e in res.effects:
            c = e.contrast
            fields = [
                res.pattern.key,
                c.outcome,
                c.a,
                c.b,
                c.sign,
                e.n,
                e.mean,
                e.low,
                e.high,
                e.confirmed,
                _measured(res, c),
            ]
            lines.append(",".join(f'"{f}"' if isinstance(f, str) else str(f) for f in fields))
    return "\n".join(lines) + "\n"


def write_validation(
    results: list[PatternResult],
    folder: Path,
    replications: int,
    horizon: int | None = None,
    base_seed: int = BASE_SEED,
) -> list[Path]:
    """Write ``validation.md``, ``effects.csv`` and ``img/pattern_*.png`` into ``folder``; return the doc files.

    The returned files (the text and its figures) are what ``--update-docs`` copies to ``docs/``. The
    text is a title and one section between :data:`BEGIN` and :data:`END`.
    """
    img_dir = folder / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    lines = [TITLE, "", BEGIN, "", *_summary_lines(results, replications, horizon, base_seed)]
    written = []
    for i, res in enumerate(results, 1):
        lines += _pattern_lines(i, res)
        figure = img_dir / f"pattern_{res.pattern.key}.png"
        _figure(res, figure)
        written.append(figure)
    lines.append(END)
    atomic_write_text(folder / "validation.md", "\n".join(lines) + "\n")
    atomic_write_text(folder / "effects.csv", _effects_csv(results))
    return [folder / "validation.md", *written]


_OLD_PATTERN_HEADING = re.compile(r"## \d+\. ")
"""A level-2 heading of a pattern report written before the markers existed (``## 1. A stronger ...``)."""


def _section(text: str) -> str | None:
    """The lines from :data:`BEGIN` to :data:`END` (both included) of ``text``, or None if it has no such span."""
    start = text.find(BEGIN)
    stop = text.find(END, start + 1) if start >= 0 else -1
    return text[start : stop + len(END)] if start >= 0 and stop >= 0 else None


def merged_validation(new: str, current: str | None) -> str:
    """docs/validation.md after ``--update-docs``: the pattern section of ``new`` put into ``current``.

    No file yet, or a file that holds only an earlier pattern report (no
    markers, it starts with :data:`TITLE` and its only level-2 headings are
    numbered patterns): ``new`` as it is. A file with the markers: its section
    replaced, everything around it kept. Any other file (sections written by
    others, no markers): the section appended at its end, nothing lost.
    """
    section = _section(new)
    if current is None or section is None:
        return new
    old = _section(current)
    if old is not None:
        return current.replace(old, section, 1)
    headings = [line for line in current.splitlines() if line.startswith("## ")]
    if current.lstrip().startswith(TITLE + "\n") and all(_OLD_PATTERN_HEADING.match(h) for h in headings):
        return new
    return current.rstrip("\n") + "\n\n" + section + "\n"


def update_docs(files: list[Path], folder: Path, docs: Path = DOCS) -> None:
    """Copy the validation text and figures from a results ``folder`` into ``docs``, each file atomically.

    ``validation.md`` is merged (:func:`merged_validation`), so that the other sections of
    docs/validation.md survive; the figures are copied as they are.
    """
    if not docs.is_dir():
        raise UserError(
            f"--update-docs: there is no docs folder at {display(docs)} (the package is not run from its source "
            "checkout); the results folder holds the same files."
        )
    for path in files:
        target = docs / path.relative_to(folder)
        if path.name == "validation.md" and path.parent == folder:
            current = target.read_text(encoding="utf-8") if target.exists() else None
            atomic_write_text(target, merged_validation(path.read_text(encoding="utf-8"), current))
        else:
            atomic_write_bytes(target, path.read_bytes())


def main(
    replications: int | None = None,
    out: Path = Path("results"),
    processes: int | None = None,
    *,
    horizon: int | None = None,
    update_docs_too: bool = False,
    progress: bool = True,
    base_seed: int = BASE_SEED,
) -> int:
    """Run all six pattern experiments and publish their results folder (and docs/ with ``update_docs_too``).

    ``base_seed`` other than :data:`BASE_SEED` replicates the patterns on another seed block (never written to
    docs/, which reports the documented block). Exit status 0 when every pattern is confirmed, 1 when one is not.
    """
    import matplotlib  # noqa: F401 - the figures need the [docs] extra: say so before the runs, not after

    from .limits import MAX_HORIZON, MAX_REPLICATIONS
    from .publishing import publishing_dir

    replications = replications or REPLICATIONS
    if not 2 <= replications <= MAX_REPLICATIONS:
        raise UserError(
            f"--replications must be 2 to {MAX_REPLICATIONS} (two give the first confidence interval); "
            f"got {replications}."
        )
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON:
        raise UserError(f"--steps must be 1 to {MAX_HORIZON} weeks; got {horizon}.")
    if update_docs_too and base_seed != BASE_SEED:
        raise UserError(
            f"--update-docs writes the documented seed block ({BASE_SEED:,}+) to docs/validation.md; "
            f"leave out --base-seed {base_seed}, or leave out --update-docs to replicate on that block."
        )
    with publishing_dir(out, "patterns") as (work, final):  # a bad --out fails before the runs
        results = run_patterns(PATTERNS, replications, processes, base_seed, horizon=horizon, progress=progress)
        for res in results:
            for eff in res.effects:
                print(
                    f"{res.pattern.key:22s} {eff.contrast.outcome:22s} {_measured(res, eff.contrast):20s} "
                    f"{eff.mean:+.3f} [{eff.low:+.3f}, {eff.high:+.3f}] "
                    f"{'confirmed' if eff.confirmed else 'NOT confirmed'}"
                )
        files = write_validation(results, work, replications, horizon, base_seed)
    folder = final[0]
    print(f"wrote {display(folder)}/ (validation.md, effects.csv, img/)")
    if update_docs_too:
        update_docs([folder / f.relative_to(work) for f in files], folder)
        print(f"updated {display(DOCS / 'validation.md')} and its figures in {display(DOCS / 'img')}/")
    return 0 if all(e.confirmed for r in results for e in r.effects) else 1
