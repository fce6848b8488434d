"""The six patterns of the model brief, as experiments with paired replications.

Pattern-oriented validation (Grimm et al. 2005): each pattern is an experiment
whose arms differ in one lever and share their seeds (common random numbers),
so an effect is the mean of paired differences with a 95% t-interval. Nothing
here produces an outcome; it only runs the model and measures.

Used by ``tests/test_patterns.py`` (which asserts the sign and that the
interval excludes zero) and by ``python3 run.py patterns``, which publishes a
results folder ``results/patterns-<timestamp>/`` (``validation.md``,
``effects.csv``, ``img/pattern_*.png``) and, only with ``--update-docs``,
copies the text and figures to ``docs/validation.md`` and ``docs/img/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UserError, display
from .fileio import atomic_write_bytes, atomic_write_text
from .runner import run_timeseries
from .statistics import clip_interval, mean_ci

HORIZON = 156
"""Three years: the span 003 recommends for co-creation practice arenas (oevebaner)."""
REPLICATIONS = 20
"""Paired replications per arm: enough for every effect's interval to exclude zero."""
BASE_SEED = 20_260
"""Seed of replication 0 of every arm; replication i uses BASE_SEED + i."""
S_WINDOW = 26
"""Half a year: the window over which :func:`s_shape` measures how fast uptake rises."""
DOCS = Path(__file__).resolve().parents[2] / "docs"
"""The docs folder of this source tree, written only with ``--update-docs``."""
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

NPG_CONTEXT: dict[str, Any] = {
    # Co-creation as a further layer (003): what measured, backing, room, short paths.
    "cocreation_logic": 0.6,
    "measure_cocreation_value": 0.5,
    "zero_error_culture": 0.2,
    "discretion": 0.6,
    "top_management_focus": 0.6,
    "decision_path_length": 2,
    "capacity_set_aside": 0.15,
}
"""A municipality where everything but the lever under test favours co-creation."""


@dataclass(frozen=True)
class Contrast:
    """``outcome(arm b) - outcome(arm a)`` expected to have sign ``sign``."""

    outcome: str
    a: str
    b: str
    sign: int
    claim: str


@dataclass(frozen=True)
class Pattern:
    key: str
    title: str
    source: str
    context: dict[str, Any]
    arms: dict[str, dict[str, Any]]
    contrasts: tuple[Contrast, ...]
    figure_outcome: str
    horizon: int = HORIZON


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "zero_error",
        "A stronger zero-error culture lowers co-creation uptake",
        "001, 003",
        {},
        {
            "weak zero-error culture (0.1)": {"zero_error_culture": 0.1},
            "strong zero-error culture (0.9)": {"zero_error_culture": 0.9},
        },
        (
            Contrast(
                "uptake",
                "weak zero-error culture (0.1)",
                "strong zero-error culture (0.9)",
                -1,
                "uptake falls when errors are sanctioned harder",
            ),
        ),
        "uptake",
    ),
    Pattern(
        "decision_path",
        "Longer decision paths raise citizen drop-out and lower completed initiatives",
        "001",
        {},
        {"short path (1 step)": {"decision_path_length": 1}, "long path (8 steps)": {"decision_path_length": 8}},
        (
            Contrast(
                "dropout_rate", "short path (1 step)", "long path (8 steps)", +1, "more citizens give up while waiting"
            ),
            Contrast(
                "initiatives_completed",
                "short path (1 step)",
                "long path (8 steps)",
                -1,
                "fewer initiatives are completed",
            ),
        ),
        "dropout_rate",
    ),
    Pattern(
        "leader_dialogue",
        "Without leader dialogue the shift stalls; with it, it happens, in an S-shaped rise",
        "000",
        NPG_CONTEXT,
        {"no leader dialogue": {"leader_dialogue": 0.0}, "leader dialogue (1.0)": {"leader_dialogue": 1.0}},
        (Contrast("uptake", "no leader dialogue", "leader dialogue (1.0)", +1, "dialogue carries the shift"),),
        "uptake",
    ),
    Pattern(
        "intertwined_learning",
        "Mindset without practice, or practice without mindset, does not give uptake",
        "000",
        {**NPG_CONTEXT, "leader_dialogue": 0.0},
        {
            "mindset only (courses)": {"mindset_training": 1.0},
            "practice only (orders)": {"practice_mandate": 1.0},
            "both together": {"mindset_training": 1.0, "practice_mandate": 1.0},
        },
        (
            Contrast(
                "uptake", "mindset only (courses)", "both together", +1, "adding practice to mindset raises uptake"
            ),
            Contrast(
                "uptake", "practice only (orders)", "both together", +1, "adding mindset to practice raises uptake"
            ),
        ),
        "uptake",
    ),
    Pattern(
        "outreach",
        "Without outreach weak groups are under-represented; outreach and network design narrow the gap",
        "000, 002, 003",
        {},
        {
            "no outreach": {"outreach_weak_groups": 0.0, "network_design": 0.2},
            "outreach and network design": {"outreach_weak_groups": 0.8, "network_design": 0.8},
        },
        (
            Contrast(
                "representation_gap",
                "no outreach",
                "outreach and network design",
                -1,
                "the gap |1 - inclusion ratio| narrows",
            ),
        ),
        "inclusion_ratio",
    ),
    Pattern(
        "measurement",
        "Measuring only the old KPIs pulls staff back to operations; measuring co-creation value raises uptake",
        "003",
        {},
        {
            "old KPIs only": {"measure_cocreation_value": 0.0},
            "co-creation value measured (0.7)": {"measure_cocreation_value": 0.7},
        },
        (
            Contrast("uptake", "old KPIs only", "co-creation value measured (0.7)", +1, "uptake rises"),
            Contrast(
                "hours_operations",
                "old KPIs only",
                "co-creation value measured (0.7)",
                -1,
                "fewer hours are pulled back to operations",
            ),
        ),
        "uptake",
    ),
)

BY_KEY = {p.key: p for p in PATTERNS}


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


def _run_arm(args: tuple[dict[str, Any], int, int]) -> dict[str, np.ndarray]:
    params, seed, steps = args
    frame = run_timeseries(steps=steps, rng=seed, **params)
    out = {name: frame[name].to_numpy() for name in frame.columns}
    out["representation_gap"] = np.abs(1.0 - out["inclusion_ratio"])
    return out


def _measure(pattern: Pattern, runs: list[dict[str, np.ndarray]], replications: int) -> PatternResult:
    """Finals, mean curves and effects of one pattern from its runs (arm by arm, replication by replication)."""
    result = PatternResult(pattern, [])
    for k, name in enumerate(pattern.arms):
        arm_runs = runs[k * replications : (k + 1) * replications]
        result.finals[name] = {key: np.array([r[key][-1] for r in arm_runs]) for key in arm_runs[0]}
        result.curves[name] = np.mean([r[pattern.figure_outcome] for r in arm_runs], axis=0)
    for contrast in pattern.contrasts:
        diff = result.finals[contrast.b][contrast.outcome] - result.finals[contrast.a][contrast.outcome]
        mean, _, low, high = mean_ci(diff)
        result.effects.append(Effect(contrast, mean, low, high, replications))
    return result


def run_patterns(
    patterns: Sequence[Pattern],
    replications: int = REPLICATIONS,
    processes: int | None = None,
    base_seed: int = BASE_SEED,
    horizon: int | None = None,
    progress: bool = False,
) -> list[PatternResult]:
    """Run every arm of every pattern on the same seeds, in one batch, and measure the contrasts.

    ``horizon`` replaces each pattern's own horizon (for quick trials);
    ``processes`` is the number of worker processes (default: all cores).
    The numbers do not depend on ``processes``: a run depends only on its seed.
    """
    from .executor import run_tasks

    seeds = [base_seed + i for i in range(replications)]
    jobs = [
        ({**pattern.context, **arm}, seed, horizon or pattern.horizon)
        for pattern in patterns
        for arm in pattern.arms.values()
        for seed in seeds
    ]
    runs: list[Any] = [None] * len(jobs)
    for index, run in run_tasks(
        _run_arm, jobs, workers=processes, progress=progress, desc="pattern runs", in_process_below=2
    ):
        runs[index] = run
    results, start = [], 0
    for pattern in patterns:
        size = len(pattern.arms) * replications
        results.append(_measure(pattern, runs[start : start + size], replications))
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
def _command(replications: int, horizon: int | None) -> str:
    """The command that regenerates the document as it was made."""
    words = ["python3 run.py patterns"]
    if replications != REPLICATIONS:
        words.append(f"--replications {replications}")
    if horizon:
        words.append(f"--steps {horizon}")
    return " ".join([*words, "--update-docs"])


def _summary_lines(results: list[PatternResult], replications: int, horizon: int | None) -> list[str]:
    from . import __version__

    lines = [
        "# Pattern-oriented validation",
        "",
        f"Generated by `{_command(replications, horizon)}` (cocreate_sim {__version__}). Each pattern of "
        "`shared/MODEL-BRIEF.md` is an experiment: arms differ in",
        f"the levers shown and share their seeds (common random numbers), {replications} paired replications of",
        f"{horizon or HORIZON} weeks each, base seed {BASE_SEED}. An effect is the mean paired difference (second "
        "arm minus",
        "first) at the final week with its 95% t-interval; *confirmed* means the sign is the one the pattern",
        "predicts and the interval excludes zero. Context levers not listed are the NPM defaults",
        "(`python3 run.py params`).",
        "",
        "| # | pattern | outcome | effect | 95% CI | confirmed |",
        "|---|---|---|---|---|---|",
    ]
    for i, res in enumerate(results, 1):
        for eff in res.effects:
            c = eff.contrast
            lines.append(
                f"| {i} | {res.pattern.title} | {c.outcome}: {c.b} vs {c.a} | {eff.mean:+.3f} | "
                f"[{eff.low:+.3f}, {eff.high:+.3f}] | {'yes' if eff.confirmed else 'NO'} |"
            )
    return [*lines, ""]


def _pattern_lines(i: int, res: PatternResult) -> list[str]:
    p = res.pattern
    lines = [f"## {i}. {p.title}", "", f"Sources: {p.source}. Context: `{p.context or 'NPM defaults'}`.", ""]
    for name, arm in p.arms.items():
        m, _, lo, hi = mean_ci(res.finals[name][p.figure_outcome])
        lo, hi = clip_interval(p.figure_outcome, m, lo, hi)
        lines.append(f"- **{name}** `{arm}`: final {p.figure_outcome} {m:.3f} [{lo:.3f}, {hi:.3f}]")
    lines.append("")
    for eff in res.effects:
        lines.append(
            f"- {eff.contrast.claim}: {eff.contrast.outcome} {eff.mean:+.3f} (95% CI {eff.low:+.3f} to "
            f"{eff.high:+.3f}), {'confirmed' if eff.confirmed else 'NOT confirmed'}."
        )
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
    lines = ["pattern,outcome,arm_a,arm_b,expected_sign,n,effect,ci95_low,ci95_high,confirmed"]
    for res in results:
        for e in res.effects:
            c = e.contrast
            fields = [res.pattern.key, c.outcome, c.a, c.b, c.sign, e.n, e.mean, e.low, e.high, e.confirmed]
            lines.append(",".join(f'"{f}"' if isinstance(f, str) else str(f) for f in fields))
    return "\n".join(lines) + "\n"


def write_validation(
    results: list[PatternResult], folder: Path, replications: int, horizon: int | None = None
) -> list[Path]:
    """Write ``validation.md``, ``effects.csv`` and ``img/pattern_*.png`` into ``folder``; return the doc files.

    The returned files (the text and its figures) are what ``--update-docs`` copies to ``docs/``.
    """
    img_dir = folder / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    lines = _summary_lines(results, replications, horizon)
    written = []
    for i, res in enumerate(results, 1):
        lines += _pattern_lines(i, res)
        figure = img_dir / f"pattern_{res.pattern.key}.png"
        _figure(res, figure)
        written.append(figure)
    atomic_write_text(folder / "validation.md", "\n".join(lines) + "\n")
    atomic_write_text(folder / "effects.csv", _effects_csv(results))
    return [folder / "validation.md", *written]


def update_docs(files: list[Path], folder: Path, docs: Path = DOCS) -> None:
    """Copy the validation text and figures from a results ``folder`` into ``docs``, each file atomically."""
    if not docs.is_dir():
        raise UserError(
            f"--update-docs: there is no docs folder at {display(docs)} (the package is not run from its source "
            "checkout); the results folder holds the same files."
        )
    for path in files:
        atomic_write_bytes(docs / path.relative_to(folder), path.read_bytes())


def main(
    replications: int | None = None,
    out: Path = Path("results"),
    processes: int | None = None,
    *,
    horizon: int | None = None,
    update_docs_too: bool = False,
    progress: bool = True,
) -> int:
    """Run all six pattern experiments and publish their results folder (and docs/ with ``update_docs_too``).

    Exit status 0 when every pattern is confirmed, 1 when one is not.
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
    with publishing_dir(out, "patterns") as (work, final):  # a bad --out fails before the runs
        results = run_patterns(PATTERNS, replications, processes, horizon=horizon, progress=progress)
        for res in results:
            for eff in res.effects:
                print(
                    f"{res.pattern.key:22s} {eff.contrast.outcome:22s} {eff.mean:+.3f} "
                    f"[{eff.low:+.3f}, {eff.high:+.3f}] {'confirmed' if eff.confirmed else 'NOT confirmed'}"
                )
        files = write_validation(results, work, replications, horizon)
    folder = final[0]
    print(f"wrote {display(folder)}/ (validation.md, effects.csv, img/)")
    if update_docs_too:
        update_docs([folder / f.relative_to(work) for f in files], folder)
        print(f"updated {display(DOCS / 'validation.md')} and its figures in {display(DOCS / 'img')}/")
    return 0 if all(e.confirmed for r in results for e in r.effects) else 1
