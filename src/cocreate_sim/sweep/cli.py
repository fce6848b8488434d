"""The 'sweep' and 'analyse' subcommands (added to run.py's command line by :func:`register`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..executor import TaskError, check_workers, cluster_address
from ..limits import IN_PROCESS_RUNS

EXIT_FAILED = 1
"""A task failed inside (a bug): finished chunks are kept."""
EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""


def register(subparsers: Any) -> None:
    """Add the 'sweep' and 'analyse' subcommands to the command line (called by cocreate_sim.cli)."""
    sweep = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (grid, lhs, sobol, morris); resumable",
        description="Run every run of a sweep file, storing each finished chunk atomically under --out. A sweep "
        f"of fewer than {IN_PROCESS_RUNS} runs (or with --workers 1) runs in this process; a larger one on Dask "
        "distributed (an embedded local cluster, or an existing one with --cluster). Running the same command "
        "again resumes an interrupted sweep. At the end sensitivity.csv and report.html are written.",
    )
    sweep.add_argument("sweep_file", metavar="SWEEP.yaml", help="the sweep file (see sweeps/ and docs/sweeps.md)")
    sweep.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the embedded cluster (default: every core; 1 = in this process)",
    )
    sweep.add_argument(
        "--cluster",
        type=cluster_address,
        default=None,
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://host:8786, instead of the embedded one",
    )
    sweep.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="results folder (default: results/sweeps/<sweep name>); rerun on it to resume",
    )
    sweep.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="K",
        help="runs per task (default: about twenty tasks per worker)",
    )
    sweep.add_argument("--no-analyse", action="store_true", help="skip sensitivity.csv and report.html at the end")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(func=_cmd_sweep)

    analyse = subparsers.add_parser(
        "analyse",
        aliases=["analyze"],
        help="sensitivity.csv and report.html for a sweep results folder",
        description="Read a sweep results folder and write sensitivity.csv (Sobol S1/ST with confidence intervals, "
        "Morris mu*/sigma, or for grids and Latin hypercubes main-effect shares and standardized regression "
        "coefficients) and a self-contained report.html.",
    )
    analyse.add_argument("outdir", metavar="OUTDIR", help="a folder written by 'python3 run.py sweep'")
    analyse.set_defaults(func=_cmd_analyse)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .design import load_sweep
    from .execution import run_sweep

    if args.cluster and args.workers is not None:
        raise UserError(
            "--workers applies to the embedded cluster only; with --cluster the cluster's own workers "
            "run the sweep. Give one of the two."
        )
    if args.workers is not None:
        check_workers(args.workers)
    if args.chunk_size is not None and args.chunk_size < 1:
        raise UserError(f"--chunk-size must be at least 1; got {args.chunk_size}.")
    sweep = load_sweep(args.sweep_file)
    out = Path(args.out) if args.out is not None else Path("results") / "sweeps" / sweep.name
    from ..publishing import prepare_out_dir  # here: 'run.py --help' stays light (no pandas)

    out = prepare_out_dir(out)  # never into a system folder, always one we can write in (~ expanded)
    try:
        result = run_sweep(
            sweep,
            out,
            workers=args.workers,
            cluster=args.cluster,
            chunk_size=args.chunk_size,
            progress=not args.no_progress,
            analyse=not args.no_analyse,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: finished chunks are safe in '{out}'; run the same command again to resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except TaskError as exc:
        print(f"error: {exc} Finished chunks are safe in '{out}'.", file=sys.stderr)
        return EXIT_FAILED

    print(
        f"{result.n_runs} runs in '{result.out}' ({result.ran} run now, {result.skipped} resumed) "
        f"in {result.seconds:.1f} s"
    )
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    from .analysis import analyse

    for path in analyse(Path(args.outdir)):
        print(f"wrote {path}")
    return 0
