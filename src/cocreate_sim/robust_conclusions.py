"""Robust conclusions: in how many posterior draws does each of the six patterns hold?

The pattern experiments (:mod:`cocreate_sim.patterns`) test each claim of the
model brief at the declared constants. Here every replication of every arm
draws its constants from the calibrated posterior (replication ``i`` draw
``i // seeds_per_draw``, the same in every arm, on the pattern seed block), and
a claim *holds in a draw* when that draw's mean paired effect over its seeds
has the expected sign. The share of draws in which it holds says whether the
conclusion survives what the calibration leaves uncertain (issue 11, point 7).
A pattern holds in a draw when all its claims do.

``python3 run.py robust [--draws 50] [--seeds-per-draw 2]`` publishes
``results/robust-<timestamp>/`` (``robust.csv``, ``robust.md`` with
provenance). ``--attach`` also keeps the table beside the posterior file
(``calibration/posterior_robust.csv`` for the shipped one), where every
``run`` and ``compare`` that draws from that posterior finds it and puts it in
its report; ``--update-docs`` copies the page to ``docs/robust_conclusions.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UserError, display, whole_number_type
from .fileio import atomic_write_bytes
from .posterior import DRAWS, SEEDS_PER_DRAW, PosteriorDraws, conclusions_path, draw_constants

if TYPE_CHECKING:  # the model, numpy and pandas load when the command runs: 'run.py --help' stays light
    import numpy as np
    import pandas as pd

    from .patterns import PatternResult
    from .patterns_design import Contrast

ROBUST_SEED = 0
"""The seed that draws the constants (the patterns' own seed block runs the models)."""
QUANTILES = (0.05, 0.5, 0.95)
"""Quantiles of the per-draw effect a table shows."""
DOCS_PAGE = "robust_conclusions.md"
"""What --update-docs writes in docs/ (a copy of the folder's robust.md)."""


def _per_draw(result: PatternResult, contrast: Contrast, seeds_per_draw: int) -> np.ndarray:
    """Each draw's mean paired effect (arm b minus arm a) over its seeds."""
    import numpy as np

    values = result.windows if contrast.after_shock else result.finals
    diff = values[contrast.b][contrast.outcome] - values[contrast.a][contrast.outcome]
    return np.nanmean(diff.reshape(-1, seeds_per_draw), axis=1)


def conclusions(results: list[PatternResult], seeds_per_draw: int) -> pd.DataFrame:
    """One row per claim and one per pattern ("all claims"): the share of draws in which it holds."""
    import numpy as np
    import pandas as pd

    from .patterns_design import ALL_CLAIMS

    rows: list[dict[str, Any]] = []
    for result in results:
        held = []
        for contrast in result.pattern.contrasts:
            effects = _per_draw(result, contrast, seeds_per_draw)
            holds = np.sign(effects) == contrast.sign
            held.append(holds)
            low, mid, high = np.nanquantile(effects, QUANTILES)
            rows.append(
                {
                    "pattern": result.pattern.key,
                    "title": result.pattern.title,
                    "claim": contrast.claim,
                    "outcome": contrast.outcome,
                    "expected_sign": contrast.sign,
                    "draws": len(effects),
                    "horizon": result.horizon,
                    "share_holding": float(holds.mean()),
                    "effect_q05": float(low),
                    "effect_median": float(mid),
                    "effect_q95": float(high),
                }
            )
        together = np.logical_and.reduce(held)
        rows.append(
            {
                "pattern": result.pattern.key,
                "title": result.pattern.title,
                "claim": ALL_CLAIMS,
                "outcome": "",
                "expected_sign": 0,
                "draws": len(together),
                "horizon": result.horizon,
                "share_holding": float(together.mean()),
                "effect_q05": np.nan,
                "effect_median": np.nan,
                "effect_q95": np.nan,
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, posterior: PosteriorDraws, command: str, prov: dict[str, Any]) -> str:
    """The table as a page: what was run, then one line per claim."""
    import numpy as np

    lines = [
        "# Robust conclusions: the six patterns across the calibrated posterior",
        "",
        f"`{command}` ({len(posterior.draws)} draws of {', '.join(posterior.fitted)} from "
        f"`{display(posterior.path)}` (sha256 {posterior.sha256[:12]}), each on {posterior.seeds_per_draw} seeds of "
        f"the pattern seed block, {_weeks(table)}; git {_commit(prov)}, {prov.get('timestamp_utc', '')}).",
        "",
        "A claim holds in a draw when that draw's mean paired effect has the expected sign; a pattern holds when "
        "all its claims do. With two seeds per draw, seed noise makes a claim whose effect is small fail in "
        "some draws even where the constants are not to blame: read a share well below 1 as 'not robust', and "
        "the effect quantiles (over draws) as how large the effect is.",
        "",
        "| pattern | claim | outcome | share of draws holding | effect 5% / 50% / 95% |",
        "|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        effect = (
            f"{r['effect_q05']:+.3g} / {r['effect_median']:+.3g} / {r['effect_q95']:+.3g}"
            if np.isfinite(r["effect_median"])
            else ""
        )
        text = str(r["claim"]).replace("|", "\\|")  # a claim may hold a |x| that would split the table's cell
        claim = f"**{text}**" if r["outcome"] == "" else text
        lines.append(f"| {r['pattern']} | {claim} | {r['outcome']} | {r['share_holding']:.0%} | {effect} |")
    return "\n".join(lines) + "\n"


def _commit(prov: dict[str, Any]) -> str:
    """The commit as a page shows it: the hash shortened, any "(with uncommitted changes)" kept."""
    commit, _, rest = str(prov.get("git_commit", "?")).partition(" ")
    return f"{commit[:12]} {rest}".strip()


def _weeks(table: pd.DataFrame) -> str:
    """How long each experiment ran, as a page says it."""
    weeks = sorted({int(w) for w in table["horizon"]})
    return f"{'/'.join(str(w) for w in weeks)} weeks per experiment"


def table_for(
    posterior: PosteriorDraws,
    processes: int | None,
    horizon: int | None,
    progress: bool,
    cluster: str | None = None,
) -> pd.DataFrame:
    """Run the patterns on the posterior's draws (on ``cluster`` if given): the robust-conclusions table, stamped
    with what it was made for (:meth:`PosteriorDraws.stamp`)."""
    from .patterns import run_patterns
    from .patterns_design import PATTERNS

    results = run_patterns(
        PATTERNS,
        posterior.replications,
        processes,
        horizon=horizon,
        progress=progress,
        constants=posterior.constants_by_replication(),
        cluster=cluster,
    )
    table = conclusions(results, posterior.seeds_per_draw)
    table["seeds_per_draw"] = posterior.seeds_per_draw
    for key, value in posterior.stamp().items():  # a report uses the table only with this posterior and code
        table[key] = value
    return table


def attach(table: pd.DataFrame, posterior: PosteriorDraws) -> Path:
    """Keep ``table`` beside the posterior file, where run, compare and calibration reports find it."""
    target = conclusions_path(posterior.path)
    atomic_write_bytes(target, table.to_csv(index=False).encode())
    return target


def run(
    posterior: PosteriorDraws, out: Path, processes: int | None, horizon: int | None, progress: bool, command: str
) -> Path:
    """Run the patterns on the posterior draws and publish the results folder; return it."""
    from .fileio import atomic_write_text
    from .publishing import provenance, publishing_dir

    with publishing_dir(out, "robust") as (work, final):  # a bad --out fails before the runs
        table = table_for(posterior, processes, horizon, progress)
        prov = provenance(posterior)
        atomic_write_text(work / "robust.csv", table.to_csv(index=False))
        atomic_write_text(work / "robust.md", markdown(table, posterior, command, prov))
        atomic_write_text(work / "provenance.json", json.dumps(prov, indent=1))
    return final[0]


def _cmd(args: argparse.Namespace) -> int:
    import pandas as pd

    from .limits import MAX_HORIZON
    from .patterns import DOCS

    if args.steps is not None and not 1 <= args.steps <= MAX_HORIZON:
        raise UserError(f"--steps must be 1 to {MAX_HORIZON} weeks; got {args.steps}.")
    posterior = draw_constants(args.posterior, args.draws, args.seeds_per_draw, ROBUST_SEED)
    command = "python3 run.py robust" + "".join(
        f" {flag} {value}"
        for flag, value, default in (
            ("--draws", args.draws, DRAWS),
            ("--seeds-per-draw", args.seeds_per_draw, SEEDS_PER_DRAW),
            ("--steps", args.steps, None),
        )
        if value != default
    )
    folder = run(posterior, Path(args.out), args.workers, args.steps, not args.quiet, command)
    table = pd.read_csv(folder / "robust.csv")
    if not args.quiet:
        for _, r in table[table["outcome"].isna()].iterrows():
            print(f"{r['pattern']:22s} holds in {r['share_holding']:.0%} of {int(r['draws'])} posterior draws")
    print(f"wrote {display(folder)}/ (robust.md, robust.csv)")
    if args.attach:
        target = attach(table, posterior)
        print(f"wrote {display(target)} (run and compare reports that draw from {display(posterior.path)} show it)")
    if args.update_docs:
        target = DOCS / DOCS_PAGE
        atomic_write_bytes(target, (folder / "robust.md").read_bytes())
        print(f"updated {display(target)}")
    return 0


def register(subparsers: Any) -> None:
    """Add 'robust' to the command line (called by cocreate_sim.cli)."""
    robust = subparsers.add_parser(
        "robust",
        help="robust conclusions: the share of posterior draws in which each of the six patterns holds",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )

    positive = whole_number_type(1)

    robust.add_argument("--draws", type=positive, default=DRAWS, metavar="N", help=f"posterior draws ({DRAWS})")
    robust.add_argument(
        "--seeds-per-draw",
        type=positive,
        default=SEEDS_PER_DRAW,
        metavar="N",
        help=f"seeds per draw ({SEEDS_PER_DRAW})",
    )
    robust.add_argument("--posterior", metavar="FILE", help="the posterior (default: calibration/posterior.parquet)")
    robust.add_argument("--steps", type=positive, metavar="N", help="horizon in weeks (quick trials; default 156)")
    robust.add_argument("--workers", type=positive, metavar="N", help="worker processes (default: every core)")
    robust.add_argument("--out", default="results", metavar="DIR", help="folder for results (default: results)")
    robust.add_argument(
        "--attach",
        action="store_true",
        help="keep the table beside the posterior file, where run and compare reports find it",
    )
    robust.add_argument("--update-docs", action="store_true", help=f"also copy the page to docs/{DOCS_PAGE}")
    robust.add_argument("--quiet", action="store_true", help="no progress bar; print only the folder")
    robust.set_defaults(func=_cmd)
