"""The 'screen' and 'calibrate' subcommands (added to run.py's command line by :func:`register`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import UserError, display, whole_number_option
from ..executor import cluster_address
from ..limits import MAX_DESIGN_POINTS, MAX_SIMULATION_BUDGET

DEFAULT_OUT = Path("results") / "calibration"
"""Where calibrations and screenings go unless --out says otherwise."""


def _positive(text: str) -> int:
    return whole_number_option(text, 1)


def _count(text: str) -> int:
    """A number of design points or draws (each a simulation or more), bounded so a typo cannot exhaust memory."""
    return whole_number_option(text, 1, MAX_DESIGN_POINTS)


def _budget(text: str) -> int:
    return whole_number_option(text, 1, MAX_SIMULATION_BUDGET)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", metavar="TARGETS.yaml", help="a targets file, e.g. calibration/targets.yaml")
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="worker processes of the embedded Dask cluster (default: every core; 1 = this process)",
    )
    parser.add_argument(
        "--cluster",
        type=cluster_address,
        default=None,
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://host:8786, instead of the embedded one",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def register(subparsers: Any) -> None:
    """Add 'screen' and 'calibrate' to the command line (called by cocreate_sim.cli)."""
    from ..posterior import DRAWS as PATTERN_DRAWS
    from . import DEFAULT_BUDGET, DEFAULT_POPULATION, PREDICTIVE_DRAWS

    screen = subparsers.add_parser(
        "screen",
        help="before calibrating: which constants move the fit targets (Morris), and a prior predictive check",
        description="Morris screening of every behavioural constant on the fit targets' statistics (in units of "
        "each target's tolerance) and a prior predictive check of every target. Writes screening.csv, chosen.csv "
        "(the constants that visibly move a fit target, at most eight), prior_predictive.csv, coverage.csv (a "
        "target no prior draw reaches is a structural misfit) and correlations.csv (of the statistics over the "
        "prior draws) in --out.",
    )
    _common(screen)
    screen.add_argument(
        "--trajectories",
        type=_count,
        default=10,
        metavar="R",
        help="Morris trajectories (runs: R x (constants + 1); default 10)",
    )
    screen.add_argument("--draws", type=_count, default=100, metavar="N", help="prior draws (default 100)")
    screen.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"folder for the results (default {DEFAULT_OUT}/screen-<targets name>)",
    )
    screen.set_defaults(func=_cmd_screen)

    calibrate = subparsers.add_parser(
        "calibrate",
        help="fit the targets file's constants by ABC-SMC (pyabc): a posterior, its misfit and a report",
        description="ABC-SMC (pyabc) of the constants the targets file lists, to its fit targets, on Dask. Stops "
        "when epsilon reaches 1 (every fit target within its tolerance) or after --budget simulations. Writes, "
        "after every generation, posterior.parquet (weighted particles), misfit.csv, provenance.json and pyabc's "
        "history.db in --out, and at the end report.html (posterior predictive of every target, fit and check "
        "apart). Killed, it keeps every finished generation: the same command resumes.",
    )
    _common(calibrate)
    calibrate.add_argument(
        "--budget",
        type=_budget,
        default=DEFAULT_BUDGET,
        metavar="N",
        help=f"simulations after which to stop (default {DEFAULT_BUDGET:,})",
    )
    calibrate.add_argument(
        "--population",
        type=_count,
        default=DEFAULT_POPULATION,
        metavar="N",
        help=f"particles a generation (default {DEFAULT_POPULATION})",
    )
    calibrate.add_argument(
        "--predictive",
        type=_count,
        default=PREDICTIVE_DRAWS,
        metavar="N",
        help=f"posterior draws run again for the report (default {PREDICTIVE_DRAWS})",
    )
    calibrate.add_argument(
        "--pattern-draws",
        type=_non_negative,
        default=PATTERN_DRAWS,
        metavar="N",
        help=f"posterior draws (2 seeds each) on which the six patterns are checked for the report (default "
        f"{PATTERN_DRAWS}; 0 skips the check)",
    )
    calibrate.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"folder for the results (default {DEFAULT_OUT}/<targets name>); rerun on it to resume",
    )
    calibrate.set_defaults(func=_cmd_calibrate)


def _patterns(posterior_file: Path, args: argparse.Namespace) -> Any:
    """The posterior-predictive check of the six patterns (``run.py robust``), kept beside the posterior."""
    from ..posterior import SEEDS_PER_DRAW, draw_constants
    from ..robust_conclusions import ROBUST_SEED, attach, table_for

    where = f"on the cluster at {args.cluster}" if args.cluster else "on this computer"
    print(f"checking the six patterns on {args.pattern_draws} posterior draws {where} ...", file=sys.stderr, flush=True)
    draws = draw_constants(posterior_file, args.pattern_draws, SEEDS_PER_DRAW, ROBUST_SEED)
    table = table_for(draws, args.workers, None, not args.no_progress, cluster=args.cluster)
    attach(table, draws)
    return table


def _non_negative(text: str) -> int:
    return whole_number_option(text, 0)


def _check(args: argparse.Namespace) -> None:
    if args.cluster and args.workers is not None:
        raise UserError(
            "--workers applies to the embedded cluster only; with --cluster the cluster's own workers "
            "run the simulations. Give one of the two."
        )


def _out(args: argparse.Namespace, default: str) -> Path:
    from ..publishing import prepare_out_dir

    return prepare_out_dir(args.out or DEFAULT_OUT / default)


def _cmd_screen(args: argparse.Namespace) -> int:
    from .screen import choose_constants, coverage, morris_screen, prior_predictive, write_screening
    from .targets import load_targets

    _check(args)
    targets = load_targets(args.targets)
    out = _out(args, f"screen-{targets.name}")
    progress = not args.no_progress
    screen = morris_screen(targets, args.trajectories, args.workers, args.cluster, progress)
    draws = prior_predictive(targets, args.draws, args.workers, args.cluster, progress)
    write_screening(out, targets, screen, draws)
    chosen = choose_constants(screen)
    picked = chosen[chosen["chosen"]]
    print(
        f"constants that visibly move a fit target (mu* >= a quarter tolerance), at most eight: "
        f"{', '.join(picked['constant']) or 'none'}"
    )
    for _, row in coverage(targets, draws).iterrows():
        verdict = (
            "STRUCTURAL MISFIT: no prior draw within tolerance"
            if row["structural_misfit"]
            else (f"{row['within_tolerance']:.0%} of prior draws within tolerance")
        )
        print(
            f"  {row['use']:5} {row['target']}: observed {row['observed']}, prior 5-50-95% "
            f"{row['q05']:.3g} / {row['median']:.3g} / {row['q95']:.3g}: {verdict}"
        )
    print(f"written to {display(out)}")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from ..posterior import read_posterior
    from .abc import POSTERIOR, PROVENANCE, calibrate
    from .report import predictive, report_html
    from .targets import load_targets

    _check(args)
    targets = load_targets(args.targets)
    out = _out(args, targets.name)
    result = calibrate(
        targets,
        out,
        budget=args.budget,
        population=args.population,
        workers=args.workers,
        cluster=args.cluster,
        notify=lambda line: print(line, file=sys.stderr, flush=True),
    )
    posterior, info = read_posterior(out / POSTERIOR)
    pred = predictive(targets, posterior, args.predictive, args.workers, args.cluster, not args.no_progress)
    from ..fileio import atomic_write_text

    atomic_write_text(out / "predictive.csv", pred.to_csv(index=False))
    patterns = _patterns(out / POSTERIOR, args) if args.pattern_draws else None
    page = report_html(targets, posterior, info, pred, result["misfit"], patterns, display(out / POSTERIOR))
    atomic_write_text(out / "report.html", page)
    print("misfit, target by target (posterior 5-50-95% of the statistic; share within tolerance):")
    for _, row in result["misfit"].iterrows():
        print(
            f"  {row['target']}: observed {row['observed']} +- {row['tolerance']:.3g}; model {row['q05']:.3g} / "
            f"{row['median']:.3g} / {row['q95']:.3g}; {row['within_tolerance']:.0%} within tolerance"
        )
    print(f"written to {display(out)} ({POSTERIOR}, {PROVENANCE}, misfit.csv, predictive.csv, report.html)")
    return 0
