"""The six patterns of the model brief, as experiments with paired replications.

Pattern-oriented validation (Grimm et al. 2005): each pattern is an experiment
whose arms differ in one lever and share their seeds (common random numbers),
so an effect is the mean of paired differences with a 95% t-interval. Nothing
here produces an outcome; it only runs the model and measures.

Used by ``tests/test_patterns.py`` (which asserts the sign and that the
interval excludes zero) and by ``python run.py patterns``, which writes
``docs/validation.md``.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from .runner import run_timeseries

HORIZON = 156
"""Three years: the span 003 recommends for co-creation practice arenas (oevebaner)."""
REPLICATIONS = 20
BASE_SEED = 20_260

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


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval of ``values`` (paired differences, replications, ...)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean())
    if n < 2:
        return mean, -math.inf, math.inf
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def _run_arm(args: tuple[dict[str, Any], int, int]) -> dict[str, np.ndarray]:
    params, seed, steps = args
    frame = run_timeseries(steps=steps, rng=seed, **params)
    out = {name: frame[name].to_numpy() for name in frame.columns}
    out["representation_gap"] = np.abs(1.0 - out["inclusion_ratio"])
    return out


def run_pattern(
    pattern: Pattern, replications: int = REPLICATIONS, processes: int | None = None, base_seed: int = BASE_SEED
) -> PatternResult:
    """Run every arm of ``pattern`` on the same seeds and measure its contrasts."""
    seeds = [base_seed + i for i in range(replications)]
    jobs = [({**pattern.context, **arm}, seed, pattern.horizon) for arm in pattern.arms.values() for seed in seeds]
    processes = processes or os.cpu_count() or 1
    if processes > 1:
        with ProcessPoolExecutor(processes) as pool:
            runs = list(pool.map(_run_arm, jobs, chunksize=max(1, len(jobs) // (4 * processes))))
    else:
        runs = [_run_arm(job) for job in jobs]
    result = PatternResult(pattern, [])
    for k, name in enumerate(pattern.arms):
        arm_runs = runs[k * replications : (k + 1) * replications]
        result.finals[name] = {key: np.array([r[key][-1] for r in arm_runs]) for key in arm_runs[0]}
        result.curves[name] = np.mean([r[pattern.figure_outcome] for r in arm_runs], axis=0)
    for contrast in pattern.contrasts:
        diff = result.finals[contrast.b][contrast.outcome] - result.finals[contrast.a][contrast.outcome]
        mean, low, high = mean_ci(diff)
        result.effects.append(Effect(contrast, mean, low, high, replications))
    return result


def s_shape(curve: np.ndarray, window: int = 26) -> dict[str, float]:
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
def write_validation(results: list[PatternResult], out: Path, replications: int) -> None:
    """Write ``docs/validation.md`` and its figures from measured results."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import __version__
    from .metrics import COLUMNS

    img_dir = out.parent / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Pattern-oriented validation",
        "",
        "Generated by `python run.py patterns"
        + (f" --replications {replications}`" if replications != REPLICATIONS else "`")
        + f" (cocreate_sim {__version__}). Each pattern of `shared/MODEL-BRIEF.md` is an experiment: arms differ in",
        f"the levers shown and share their seeds (common random numbers), {replications} paired replications of",
        f"{HORIZON} weeks each, base seed {BASE_SEED}. An effect is the mean paired difference (second arm minus",
        "first) at the final week with its 95% t-interval; *confirmed* means the sign is the one the pattern",
        "predicts and the interval excludes zero. Context levers not listed are the NPM defaults",
        "(`python run.py params`).",
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
    lines.append("")
    for i, res in enumerate(results, 1):
        p = res.pattern
        lines += [f"## {i}. {p.title}", "", f"Sources: {p.source}. Context: `{p.context or 'NPM defaults'}`.", ""]
        for name, arm in p.arms.items():
            finals = res.finals[name][p.figure_outcome]
            m, lo, hi = mean_ci(finals)
            lines.append(f"- **{name}** `{arm}`: final {p.figure_outcome} {m:.3f} [{lo:.3f}, {hi:.3f}]")
        lines.append("")
        for eff in res.effects:
            lines.append(
                f"- {eff.contrast.claim}: {eff.contrast.outcome} {eff.mean:+.3f} (95% CI {eff.low:+.3f} to "
                f"{eff.high:+.3f}), {'confirmed' if eff.confirmed else 'NOT confirmed'}."
            )
        if p.key == "leader_dialogue":
            shape = s_shape(res.curves["leader dialogue (1.0)"])
            lines.append(
                f"- Shape with dialogue: rise over the first 26 weeks {shape['first_rise']:.3f}, steepest 26-week "
                f"rise {shape['max_rise']:.3f} ending in week {shape['max_rise_week']:.0f}, rise over the last 26 "
                f"weeks {shape['last_rise']:.3f}: slow start, steep middle, flat end (an S, not a line)."
            )
        fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=100)
        for name, curve in res.curves.items():
            ax.plot(np.arange(len(curve)), curve, label=name)
        col = COLUMNS.get(p.figure_outcome)
        ax.set_xlabel("week")
        ax.set_ylabel(f"{p.figure_outcome} ({col.unit})" if col else p.figure_outcome)
        ax.set_title(p.title, fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(img_dir / f"pattern_{p.key}.png")
        plt.close(fig)
        lines += ["", f"![{p.title}](img/pattern_{p.key}.png)", ""]
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, out)


def main(replications: int | None = None, out: Path = Path("docs/validation.md"), processes: int | None = None) -> int:
    """Run all six pattern experiments and write the validation document."""
    replications = replications or REPLICATIONS
    if replications < 2:
        from .errors import UserError

        raise UserError(f"--replications must be at least 2 to give a confidence interval; got {replications}.")
    results = []
    for pattern in PATTERNS:
        res = run_pattern(pattern, replications, processes)
        results.append(res)
        for eff in res.effects:
            print(
                f"{pattern.key:22s} {eff.contrast.outcome:22s} {eff.mean:+.3f} [{eff.low:+.3f}, {eff.high:+.3f}] "
                f"{'confirmed' if eff.confirmed else 'NOT confirmed'}"
            )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_validation(results, out, replications)
    print(f"wrote {out}")
    return 0 if all(e.confirmed for r in results for e in r.effects) else 1
