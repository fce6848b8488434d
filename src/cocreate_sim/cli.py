"""The command line that ``run.py`` calls: run, compare, report, new, validate, params, patterns (sweep, serve).

Every user mistake ends as one paragraph on stderr ("error: ...") and exit
status 2; a missing optional extra says which one to install (status 2);
Ctrl-C ends with status 130 and no traceback; nothing half-written is left
behind. Only the standard library is imported up front: every command imports
what it needs when it runs, so ``python3 run.py --help`` answers at once.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from .commands import cmd_compare, cmd_new, cmd_params, cmd_patterns, cmd_report, cmd_run, cmd_validate
from .errors import UserError, clip, did_you_mean, display, missing_extra, whole_number_option, whole_number_type
from .i18n import add_language_option
from .limits import MAX_REPLICATIONS, MAX_SEED
from .posterior import DRAWS, SEEDS_PER_DRAW

EXIT_FAILED = 1
"""A run that went wrong inside (a bug in a task): the message names the task."""
EXIT_USER_ERROR = 2
"""Exit status for a user's mistake (and a missing optional extra)."""
EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""
EXIT_TERMINATED = 143
"""Exit status after SIGTERM (128 + 15)."""

FEATURES = (
    ("cocreate_sim.sweep", ("sweep", "analyse")),
    ("cocreate_sim.app", ("serve",)),
    ("cocreate_sim.calibration.cli", ("screen", "calibrate")),
    ("cocreate_sim.robust_conclusions", ("robust",)),
    ("cocreate_sim.regime", ("regime",)),
)
"""Modules that add subcommands through their ``register(subparsers)``, and the commands they add."""

EXAMPLES = """\
examples:
  python3 run.py scenarios/drop_zero_error_culture.yaml
  python3 run.py scenarios/npm_baseline.yaml --set zero_error_culture=0.3 --draws 20
  python3 run.py scenarios/npm_baseline.yaml --point --replications 10
  python3 run.py compare scenarios/npm_baseline.yaml scenarios/extra_bottom_line.yaml
  python3 run.py new my_municipality --from drop_zero_error_culture
  python3 run.py validate my_scenarios/my_municipality.yaml
  python3 run.py report results/npm_baseline-20261122-171530
  python3 run.py params

A scenario file is YAML; 'new' copies one from scenarios/ into my_scenarios/ to change a few levers
(see docs/scenarios.md).
Each run writes a new folder results/<scenario>-<timestamp>/ with report.html (open it in a browser),
summary.csv, timeseries.parquet, the fully resolved scenario.yaml and checksums.json.
An interrupted run keeps its finished replications: the same command with --resume runs only the rest.
"""

RUN_HELP = """\
Run a scenario (in parallel on the local cores) and write a new results folder
results/<scenario>-<timestamp>/ holding report.html, summary.csv (mean and 95% interval of every
outcome at the final week), timeseries.parquet (one row per replication and week), draws.csv,
scenario.yaml (the fully resolved scenario with package version, git commit and the posterior's hash;
it can be run again) and checksums.json (the SHA-256 of each file, which 'report' checks).
By default the calibrated constants are drawn from the posterior (calibration/posterior.parquet):
--draws sets of them (50), each on --seeds-per-draw seeds (2), and the intervals hold 95% of the runs:
the uncertainty in the constants and chance together. --point runs the declared constants on the
scenario's replications (--replications N) with 95% confidence intervals of the mean instead.
Replication i uses the random seed <seed> + i, so the same command gives the same numbers.
Each replication is kept in DIR/.checkpoint-*/ as soon as it finishes: after an interruption (Ctrl-C,
kill, a crash) the same command with --resume runs only the missing ones. --out must be a folder you can
write in, not a system folder; it is checked before anything runs."""

COMPARE_HELP = """\
Run two or more scenarios with common random numbers (replication i of every scenario uses the same
seed and the same constants drawn from the posterior) and write one results folder whose report.html
puts them side by side, with the difference of each from the FIRST scenario, its 95% interval (paired
by replication) and, for each outcome, the probability that the scenario does better than the first in
the outcome's good direction. --point, --draws and --replications as for a run. Horizon,
replications and seed come from the first scenario unless given as options; --set applies to all.
As for a run, finished replications are kept and --resume reuses those of the same command."""


REPORT_LANGUAGE_HELP = "language of report.html: en (English, the default) or da (Danish)"
"""Help of --lang for the commands that write a report."""


class _Terminated(BaseException):
    """Raised by the SIGTERM handler so that cleanup (temporary folders, worker processes) runs."""


def _on_sigterm(signum, frame) -> None:  # pragma: no cover - exercised through a subprocess test
    raise _Terminated()


# ------------------------------------------------------------------ parser
def _positive_int(text: str) -> int:
    return whole_number_option(text, 1)


def _non_negative_int(text: str) -> int:
    return whole_number_option(text, 0)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="change one lever for this run, e.g. --set zero_error_culture=0.3 (repeatable; "
        "'python3 run.py params' lists every lever; the value the run starts with: a scenario's 'schedule' "
        "still changes the lever later)",
    )
    parser.add_argument(
        "--point",
        action="store_true",
        help="run the point model: the declared constants on --replications seeds (default: constants drawn from "
        "the calibrated posterior, so that the bands hold parameter and stochastic uncertainty together)",
    )
    parser.add_argument(
        "--replications", type=_positive_int, metavar="N", help="with --point: number of replications (seeds)"
    )
    parser.add_argument(
        "--draws", type=_positive_int, metavar="N", help=f"sets of constants drawn from the posterior (default {DRAWS})"
    )
    parser.add_argument(
        "--seeds-per-draw",
        type=_positive_int,
        metavar="N",
        help=f"seeds each drawn set of constants runs on (default {SEEDS_PER_DRAW})",
    )
    parser.add_argument(
        "--posterior",
        metavar="FILE",
        help="the posterior to draw from (default: calibration/posterior.parquet, shipped; or one that "
        "'run.py calibrate' wrote)",
    )
    parser.add_argument("--steps", type=_positive_int, metavar="N", help="horizon in weeks (52 = one year)")
    parser.add_argument("--seed", type=_non_negative_int, metavar="N", help="base random seed")
    parser.add_argument("--out", default="results", metavar="DIR", help="folder for results (default: results)")
    parser.add_argument(
        "--workers",
        "--processes",
        dest="processes",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: all cores; 1 runs in this process), as for sweeps",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reuse the replications that an interrupted run of this same command finished (kept in "
        "DIR/.checkpoint-*/) and run only the others; the results equal those of an uninterrupted run",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no table; print only the folder")
    add_language_option(parser, REPORT_LANGUAGE_HELP)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with every subcommand, including those other modules register."""
    parser = argparse.ArgumentParser(
        prog="run.py",
        usage="python3 run.py SCENARIO.yaml [--set KEY=VALUE ...] [--draws N | --point [--replications N]] "
        "[--steps N] [--seed N] [--out DIR] [--quiet]\n       python3 run.py COMMAND [options]   (COMMAND: see below)",
        description="cocreate_sim: simulate a Danish municipality moving from New Public Management to "
        "co-creation (New Public Governance), and compare policy scenarios.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND", prog="python3 run.py")

    run = sub.add_parser(
        "run",
        help="run a scenario (the default: 'python3 run.py FILE.yaml' is 'python3 run.py run FILE.yaml')",
        description=RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("scenario", metavar="SCENARIO.yaml", help="the scenario file to run")
    _add_run_options(run)
    run.add_argument(
        "--regime",
        metavar="LEVER",
        help="also draw the regime diagram of one lever into the report: equilibrium uptake and inclusion against "
        "the lever, from this scenario and from an established co-creating municipality (240 runs of 15 years; "
        "as 'python3 run.py regime LEVER --scenario SCENARIO.yaml')",
    )
    run.set_defaults(func=cmd_run)

    compare = sub.add_parser(
        "compare",
        help="run scenarios with the same seeds and report them side by side with differences",
        description=COMPARE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml", help="two or more scenario files")
    _add_run_options(compare)
    compare.set_defaults(func=cmd_compare)

    validate = sub.add_parser(
        "validate",
        help="check scenario files without running them",
        description="Check scenario files (keys, types, ranges, 'extends') without running them. Prints OK or the "
        "error for each; exits with status 2 if any file has an error. Without files: every scenarios/*.yaml.",
    )
    validate.add_argument("files", nargs="*", metavar="FILE", help="scenario files (default: scenarios/*.yaml)")
    validate.set_defaults(func=cmd_validate)

    params = sub.add_parser(
        "params",
        help="list every lever: default, range, unit, meaning, source",
        description="List every parameter (lever) of the model with its baseline default, allowed range, unit, "
        "meaning and the source documents it rests on, read from the one declaration in cocreate_sim.params.",
    )
    params.add_argument(
        "--format", choices=["text", "markdown", "csv"], default="text", help="output format (default: text)"
    )
    params.set_defaults(func=cmd_params)

    _add_report(sub)
    _add_new(sub)
    _add_patterns(sub)
    _add_robustness(sub)
    _add_constants(sub)
    for module, commands in FEATURES:
        _register(sub, module, commands)
    return parser


def _add_report(sub) -> None:
    report = sub.add_parser(
        "report",
        help="write report.html again from an existing results folder",
        description="Rebuild report.html from the files of a results folder that 'python3 run.py' (a run: "
        "scenario.yaml, timeseries.parquet, summary.csv) or 'python3 run.py compare' (scenarios/*.yaml, "
        "timeseries.parquet, summary.csv, differences.csv) wrote, e.g. after updating cocreate_sim. Every file "
        "read is first checked against the folder's checksums.json (a folder written before checksums existed "
        "is read with a note). The new report replaces the folder's report.html atomically, or goes to --out FILE.",
    )
    report.add_argument("folder", metavar="RESULTS_DIR", help="a results folder, e.g. results/npm_baseline-2026...")
    report.add_argument("--out", metavar="FILE", help="write the report here instead of RESULTS_DIR/report.html")
    add_language_option(report, "language of the rebuilt report: en (English, the default) or da (Danish)")
    report.set_defaults(func=cmd_report)


def _add_new(sub) -> None:
    new = sub.add_parser(
        "new",
        help="start your own scenario in my_scenarios/ from a commented copy of a shipped one",
        description="Write my_scenarios/NAME.yaml, a commented copy of a scenario (default: the baseline, "
        "npm_baseline), to change a few levers in. my_scenarios/ is yours: git ignores it and the tests do "
        "not read it. Never overwrites an existing file.",
    )
    new.add_argument("name", metavar="NAME", help="name of the new scenario (letters, digits, '-', '_')")
    new.add_argument(
        "--from",
        dest="source",
        metavar="SCENARIO",
        help="start from this scenario: a shipped name (e.g. drop_zero_error_culture) or a file",
    )
    new.set_defaults(func=cmd_new)


def _add_patterns(sub) -> None:
    patterns = sub.add_parser(
        "patterns",
        help="run the pattern experiments (validation); --update-docs also rewrites their part of docs/validation.md",
        description="Run the experiments behind the six patterns of the model brief (pattern-oriented "
        "validation) and publish a new results folder results/patterns-<timestamp>/ with validation.md (each "
        "effect size, its 95% confidence interval and a figure), effects.csv and img/. Only with --update-docs "
        "are the pattern section of docs/validation.md and docs/img/pattern_*.png replaced by the new text and "
        "figures. Exit status 1 "
        "when a pattern is not confirmed.",
    )
    patterns.add_argument(
        "--replications",
        type=whole_number_type(2, MAX_REPLICATIONS),
        metavar="N",
        help="replications per arm (default 20; two give the first confidence interval)",
    )
    patterns.add_argument(
        "--steps", type=_positive_int, metavar="N", help="horizon in weeks for every pattern (default: 156)"
    )
    patterns.add_argument("--out", default="results", metavar="DIR", help="folder for results (default: results)")
    patterns.add_argument(
        "--workers",
        "--processes",
        dest="processes",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: all)",
    )
    patterns.add_argument(
        "--update-docs",
        action="store_true",
        help="also rewrite the pattern section of docs/validation.md and docs/img/pattern_*.png",
    )
    patterns.add_argument(
        "--base-seed",
        type=whole_number_type(0, MAX_SEED - MAX_REPLICATIONS),
        metavar="N",
        help="seed of replication 0 (default 50000, the documented block); choose a block nothing was tuned or "
        "chosen on to replicate the patterns there (not with --update-docs)",
    )
    patterns.add_argument("--quiet", action="store_true", help="no progress bar")
    patterns.set_defaults(func=cmd_patterns)


ROBUSTNESS_HELP = """\
Check how far a scenario's results hang on the model's assumed behavioural constants: run the scenario
at the declared constants and with each behavioural constant at 0.8 and 1.2 times its value (a
whole-number constant rounds; one that rounding leaves unchanged is skipped with a note), every run on
the same seeds (common random numbers). For each constant, change and outcome (uptake, inclusion_ratio,
trust_mean, legitimacy, backlog at the final week) robustness.csv gives the mean paired difference from
the baseline with its 95% confidence interval and the outcome's tolerance (0.03; 0.05 for inclusion_ratio;
one week of the operations department's hours for backlog). Writes a new folder
DIR/robustness-<scenario>-<timestamp>/ with robustness.csv, runs.csv (every run), scenario.yaml with
provenance and checksums.json; prints how many rows lie within tolerance and the others, largest first.
'python3 run.py constants' lists every constant."""


def _add_robustness(sub) -> None:
    from .commands import cmd_robustness

    robustness = sub.add_parser(
        "robustness",
        help="vary each behavioural constant by -20%% and +20%% and report the paired effect on the results",
        description=ROBUSTNESS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    robustness.add_argument("scenario", metavar="SCENARIO.yaml", help="the scenario file to check")
    robustness.add_argument(
        "--out", default="results", metavar="DIR", help="folder for the results folder (default: results)"
    )
    robustness.add_argument(
        "--replications",
        type=_positive_int,
        metavar="N",
        help="paired seeds per variant (default: 20, or the scenario's replications if more)",
    )
    robustness.add_argument(
        "--horizon", "--steps", dest="steps", type=_positive_int, metavar="N", help="weeks (default: the scenario's)"
    )
    robustness.add_argument(
        "--constants",
        metavar="A,B,C",
        help="vary only these constants, separated by commas (default: every behavioural constant)",
    )
    robustness.add_argument(
        "--workers",
        "--processes",
        dest="processes",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: all cores; 1 runs in this process)",
    )
    robustness.add_argument("--quiet", action="store_true", help="no progress bar and no table; print only the folder")
    robustness.set_defaults(func=cmd_robustness)


def _add_constants(sub) -> None:
    from .commands import cmd_constants

    constants = sub.add_parser(
        "constants",
        help="list every internal constant: value, plausible range, kind, source, meaning",
        description="List every internal constant of the model (how it works, as opposed to the levers a "
        "scenario sets) with its value, plausible range, kind (fact, design or behavioural: the kind "
        "'robustness' varies), where it acts, its source and what it does, read from the one declaration "
        "in cocreate_sim.constants.",
    )
    constants.add_argument(
        "--format", choices=["text", "markdown", "csv"], default="text", help="output format (default: text)"
    )
    constants.add_argument(
        "--kind", choices=["fact", "design", "behavioural"], help="list only the constants of this kind"
    )
    constants.set_defaults(func=cmd_constants)


def _register(sub, module: str, commands: Sequence[str]) -> None:
    """Let ``module`` add its subcommands; when its optional extra is missing, add stubs that say which."""
    try:
        feature = importlib.import_module(module)
    except ImportError as exc:
        if exc.name == module:
            return  # that feature is not part of this installation
        message = missing_extra(exc)
        if message is None:
            raise
        for command in commands:
            stub = sub.add_parser(command, help=f"(needs an optional extra: {message.split(': ', 1)[-1]})")
            stub.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            stub.set_defaults(func=_needs_extra(message))
        return
    feature.register(sub)


def _needs_extra(message: str):
    def command(args: argparse.Namespace) -> int:
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR

    return command


def _route(argv: list[str], commands: Sequence[str]) -> list[str]:
    """'run.py FILE.yaml ...' means 'run.py run FILE.yaml ...'; a mistyped command gets a did-you-mean."""
    if not argv or argv[0].startswith("-") or argv[0] in commands:
        return argv
    first = argv[0]
    looks_like_file = first.endswith((".yaml", ".yml")) or os.sep in first or "/" in first or Path(first).exists()
    if not looks_like_file:
        hint = did_you_mean(first, commands)
        for candidate in (Path(f"{first}.yaml"), Path("scenarios") / f"{first}.yaml"):
            if candidate.is_file():
                hint = f" Did you mean the scenario file '{candidate}'?"
                break
        raise UserError(
            f"'{first}' is neither a command nor a scenario file.{hint} Commands: {', '.join(commands)}; "
            "or give a scenario file, e.g. 'python3 run.py scenarios/npm_baseline.yaml'. See 'python3 run.py --help'."
        )
    return ["run", *argv]


SERVING = ("serve",)
"""Commands that serve rather than write results: stopping them loses nothing."""


def _what_was_kept(argv: Sequence[str]) -> str:
    """The end of the message after Ctrl-C or SIGTERM: what a stop means for this command."""
    if argv and argv[0] in SERVING:
        return ": the app stopped."
    if argv and argv[0] == "calibrate":
        return ": every finished generation is kept in the output folder; the same command resumes."
    return ": no results folder was written (results appear only when complete)."


PATH_HINT = (
    "Give the path of an existing file or folder you may read (and, for --out, a folder you may write to), "
    "with no part longer than 255 characters."
)
"""What a path must be, said after the file system refused one."""


def os_problem(exc: OSError) -> str:
    """One paragraph for an OSError that reached the top: the path, what the system said, what is allowed.

    Commands check the paths they expect to be wrong; this is the net for the rest (a folder made unreadable,
    a link that loops, a full disk), so that none of them ends in a traceback.
    """
    reason = exc.strerror or clip(str(exc)) or type(exc).__name__
    if exc.filename is None and exc.errno is None:  # not the file system: a connection or a library's own error
        return f"{type(exc).__name__}: {reason}. Results are written whole or not at all."
    if exc.filename is None:
        return f"the system refused to read or write: {reason}. Results are written whole or not at all."
    return f"{display(exc.filename)}: {reason}. {PATH_HINT}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of run.py: parse, dispatch, and turn user mistakes and Ctrl-C into clean exits."""
    argv = list(sys.argv[1:] if argv is None else argv)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not in the main thread (e.g. called from a test runner thread)
        previous = None
    try:
        parser = build_parser()
        if not argv:
            parser.print_help(sys.stderr)
            return EXIT_USER_ERROR
        commands = list(parser._subparsers._group_actions[0].choices)  # noqa: SLF001 - argparse has no public API
        args = parser.parse_args(_route(argv, commands))
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return EXIT_USER_ERROR
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except ImportError as exc:
        message = missing_extra(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except RuntimeError as exc:
        if str(exc).startswith("Symlink loop"):  # Path.resolve on a looping link (Python 3.11-3.12)
            print(f"error: {exc}: a symbolic link that points back at itself. {PATH_HINT}", file=sys.stderr)
            return EXIT_USER_ERROR
        if type(exc).__name__ != "TaskError":  # executor.TaskError, without importing the executor here
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\ninterrupted{_what_was_kept(argv)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print(f"terminated{_what_was_kept(argv)}", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:  # the file system refused a path (permissions, a name too long, a loop, a full disk)
        print(f"error: {os_problem(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR if exc.filename is not None else EXIT_FAILED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run_and_exit(argv: Sequence[str] | None = None) -> NoReturn:
    """Run :func:`main` and end the process at once with its status, skipping the interpreter's teardown.

    pyarrow's native thread pools can abort the process while the interpreter tears down (std::terminate,
    "terminate called without an active exception", exit 134; apache/arrow issue #34314): seen here about once
    in fifteen small sweeps on a loaded machine, after every result was written. By the time ``main`` returns,
    every file is written atomically and every pool, cluster and lock is closed; the exit hooks still run and
    the output streams are flushed, so only the native teardown is skipped.
    """
    code = main(argv)
    with contextlib.suppress(Exception):
        gc.collect()  # objects die while every library is still whole (their finalisers run now)
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()  # exit hooks too: multiprocessing's, for one, releases its semaphores
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
