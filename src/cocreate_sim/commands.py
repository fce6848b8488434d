"""What each command of ``run.py`` does, once its arguments are parsed (``cli.py`` parses them).

Only the standard library is imported here; each command imports what it needs when it runs, so the
parser can name every command without loading the model, pandas or plotly.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import UserError, display

EXIT_USER_ERROR = 2
"""Exit status for a user's mistake (as in ``cli.py``)."""
PARAMS_WIDTH = (60, 120)
"""Narrowest and widest text width for 'params' (characters)."""
TERMINAL_FALLBACK = (100, 24)
"""Terminal size (columns, lines) assumed when the output is not a terminal."""
MEANING_INDENT = 6
"""Indentation of a lever's meaning under its line in 'params'."""


def note(text: str) -> None:
    """Print a note for the user on stderr (also with --quiet: notes say what happened to their work)."""
    print(text, file=sys.stderr, flush=True)


def _headline_table(summary, names: Sequence[str], diffs=None) -> str:
    """A short plain-text table of the headline outcomes at the final week (one block per comparison)."""
    import math

    from .reports import HEADLINE, fmt_diff, fmt_value, label

    def cell(column: str, row) -> str:
        text = fmt_value(column, row["mean"])
        if math.isfinite(row["ci95_low"]):
            text += f" [{fmt_value(column, row['ci95_low'])}, {fmt_value(column, row['ci95_high'])}]"
        return text

    def layout(header: list[str], rows: list[list[str]]) -> list[str]:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        return lines

    s = summary.set_index(["scenario", "outcome"])
    if diffs is None:
        rows = [[label(c), *(cell(c, s.loc[(n, c)]) for n in names)] for c in HEADLINE]
        return "\n".join(layout(["outcome (final week)", *names], rows))
    d = diffs.set_index(["scenario", "outcome"])
    blocks = []
    for n in names[1:]:
        rows = []
        for c in HEADLINE:
            r = d.loc[(n, c)]
            text = fmt_diff(c, r["difference"])
            if math.isfinite(r["ci95_low"]):
                text += f" [{fmt_diff(c, r['ci95_low'])}, {fmt_diff(c, r['ci95_high'])}]"
                text += " *" if (r["ci95_low"] > 0 or r["ci95_high"] < 0) else ""
            better = r.get("p_better", math.nan)
            chance = f"{better:.0%} ({r.get('good')})" if isinstance(better, float) and math.isfinite(better) else ""
            rows.append([label(c), fmt_value(c, r["reference_mean"]), fmt_value(c, r["scenario_mean"]), text, chance])
        header = ["outcome (final week)", names[0], n, "difference [95%]", f"P({n} better) (good)"]
        blocks.append("\n".join(layout(header, rows)))
    return "\n\n".join(blocks)


def _posterior(args: argparse.Namespace, seed: int, replications: int):
    """The draws from the posterior a run or comparison uses, or None with --point (and the options checked)."""
    from .posterior import DRAWS, SEEDS_PER_DRAW, draw_constants
    from .posterior import stale as posterior_stale

    if args.point:
        given = [o for o, v in (("--draws", args.draws), ("--seeds-per-draw", args.seeds_per_draw)) if v] + (
            ["--posterior"] if args.posterior else []
        )
        if given:
            raise UserError(
                f"{', '.join(given)} choose(s) how to draw constants from the posterior, but --point runs the "
                "declared constants; drop --point, or drop " + " and ".join(given) + "."
            )
        return None
    if args.replications is not None:
        raise UserError(
            "--replications sets the number of seeds of the point model; without --point, constants are drawn "
            "from the calibrated posterior and --draws and --seeds-per-draw set the runs (default "
            f"{DRAWS} x {SEEDS_PER_DRAW}). Add --point, or use --draws and --seeds-per-draw."
        )
    posterior = draw_constants(args.posterior, args.draws or DRAWS, args.seeds_per_draw or SEEDS_PER_DRAW, seed)
    stale = posterior_stale(posterior.info)
    if stale:
        note(
            f"note: the posterior {display(posterior.path)} was fitted to another {stale} than this one; its "
            "constants may no longer fit the figures. Recalibrate (docs/calibration.md), or run --point."
        )
    if not args.quiet:
        names = ", ".join(posterior.fitted)
        note(
            f"Drawing {len(posterior.draws)} sets of constants ({names}) from the posterior "
            f"{display(posterior.path)}, each on {posterior.seeds_per_draw} seed(s): {posterior.replications} runs "
            f"per scenario, in place of the scenario's {replications} replication(s) of the declared constants "
            "(--point runs those)."
        )
    return posterior


def _interval_note(posterior, replications: int) -> str:
    """What the intervals of the printed table are."""
    if posterior is not None:
        return (
            f"[range of 95% of {posterior.replications} runs: {len(posterior.draws)} sets of constants drawn from "
            f"the posterior x {posterior.seeds_per_draw} seed(s); parameter and stochastic uncertainty together]"
        )
    return f"[95% confidence interval over {replications} replications of the point model]"


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and publish its results folder."""
    from .publishing import run_scenario
    from .scenario import load_scenario, parse_set

    scenario = load_scenario(
        args.scenario,
        parse_set(args.set),
        steps=args.steps,
        replications=args.replications,
        seed=args.seed,
    )
    if args.regime:
        _check_regime(args, scenario)
    posterior = _posterior(args, scenario.seed, scenario.replications)
    runs = posterior.replications if posterior else scenario.replications
    regime = _regime(args, scenario) if args.regime else None
    if not args.quiet:
        print(
            f"Running '{scenario.name}': {scenario.steps} weeks x {runs} run(s), "
            f"seeds {scenario.seed}..{scenario.seed + runs - 1}",
            file=sys.stderr,
        )
    started = time.perf_counter()
    folder, summary = run_scenario(
        scenario,
        args.out,
        args.processes,
        progress=not args.quiet,
        resume=args.resume,
        notify=note,
        lang=args.lang,
        posterior=posterior,
        regime=regime,
    )
    if args.quiet:
        print(display(folder))
        return 0
    summary = summary.assign(scenario=scenario.name)
    print(f"\nDone in {time.perf_counter() - started:.1f} s. Results in: {display(folder)}/")
    print(f"  open {display(folder / 'report.html')} in a browser for the report\n")
    print(_headline_table(summary, [scenario.name]))
    if runs > 1:
        print("\n" + _interval_note(posterior, runs))
    return 0


def _check_regime(args: argparse.Namespace, scenario: Any) -> None:
    """``--regime LEVER`` checked before anything is drawn or run: the lever, the scenario, --point and --out."""
    from .publishing import prepare_out_dir
    from .regime import check_lever, check_unscheduled

    check_lever(args.regime)
    check_unscheduled(scenario)
    if args.point:
        raise UserError(
            "--regime draws its diagram from the calibrated posterior, and --point runs the declared constants; "
            "drop --point, or drop --regime and draw the diagram with 'python3 run.py regime LEVER'."
        )
    prepare_out_dir(args.out)


def _regime(args: argparse.Namespace, scenario: Any) -> tuple[Any, dict[str, Any]]:
    """``--regime LEVER``: the regime diagram's table and what was run, computed before the scenario's own runs.

    The diagram draws from the same posterior as the run (it has no point-model version: its bands are the
    posterior's).
    """
    from . import regime
    from .scenario import load_scenario, parse_set

    npg = load_scenario(regime.NPG_FILE, parse_set(args.set))
    if not args.quiet:
        print(
            f"Regime diagram of {args.regime}: {regime.LEVELS} values x 2 histories x {regime.DRAWS_REGIME} "
            f"posterior draws, {regime.BURN_IN + regime.HORIZON} weeks each",
            file=sys.stderr,
        )
    _runs, table, _draws = regime.compute(
        args.regime,
        scenario,
        npg,
        levels=regime.LEVELS,
        draws=regime.DRAWS_REGIME,
        burn_in=regime.BURN_IN,
        horizon=regime.HORIZON,
        posterior_file=args.posterior,
        workers=args.processes,
        progress=not args.quiet,
    )
    info = {
        "lever": args.regime,
        "levels": regime.LEVELS,
        "draws": regime.DRAWS_REGIME,
        "burn_in": regime.BURN_IN,
        "horizon": regime.HORIZON,
        "min_converged": regime.MIN_CONVERGED,
        "established_npg_state": display(regime.NPG_FILE),
    }
    return table, info


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios with common random numbers and publish one comparison folder."""
    from .publishing import compare_scenarios, unique_names
    from .scenario import load_scenario, parse_set

    if len(args.scenarios) < 2:
        raise UserError(
            "compare needs at least two scenario files, e.g. "
            "'python3 run.py compare scenarios/npm_baseline.yaml scenarios/extra_bottom_line.yaml'."
        )
    overrides = parse_set(args.set)
    scenarios = [load_scenario(path, overrides) for path in args.scenarios]
    first = scenarios[0]
    steps = args.steps or first.steps
    replications = args.replications or first.replications
    seed = first.seed if args.seed is None else args.seed
    posterior = _posterior(args, seed, replications)
    for s in scenarios[1:]:
        differs = [
            what
            for what, mine, used, given in (
                ("horizon", s.steps, steps, args.steps),
                ("replications", s.replications, replications, args.replications if posterior is None else 0),
                ("seed", s.seed, seed, args.seed),
            )
            if mine != used and given is None
        ]
        if differs and not args.quiet:
            print(
                f"note: {s.name} sets a different {', '.join(differs)}; using the first scenario's "
                f"({steps} weeks, {replications} replications, seed {seed}) so that the runs are comparable.",
                file=sys.stderr,
            )
    if posterior is not None:
        replications = posterior.replications
    if not args.quiet:
        draws = " and the same sets of constants" if posterior is not None else ""
        print(
            f"Comparing {len(scenarios)} scenarios: {steps} weeks x {replications} run(s), "
            f"the same seeds {seed}..{seed + replications - 1}{draws} for each",
            file=sys.stderr,
        )
    started = time.perf_counter()
    folder, summary, diffs = compare_scenarios(
        scenarios,
        steps,
        replications,
        seed,
        args.out,
        args.processes,
        progress=not args.quiet,
        resume=args.resume,
        notify=note,
        lang=args.lang,
        posterior=posterior,
    )
    if args.quiet:
        print(display(folder))
        return 0
    names = unique_names([s.name for s in scenarios])
    print(f"\nDone in {time.perf_counter() - started:.1f} s. Results in: {display(folder)}/")
    print(f"  open {display(folder / 'report.html')} in a browser for the report\n")
    print(_headline_table(summary, names, diffs))
    if replications > 1:
        print("\n" + _interval_note(posterior, replications))
        print(
            "[* = the difference is clear: its interval excludes zero. P(better): "
            + (
                "the share of posterior draws in which the scenario does better, on paired seeds"
                if posterior is not None
                else "the share of paired replications in which the scenario does better"
            )
            + ", in the outcome's good direction (in brackets); ties count half]"
        )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files; OK per file or the error; status 2 if any fails."""
    from .scenario import load_scenario

    files: list[Path] = []
    for name in args.files:
        given = Path(name)
        try:
            is_folder = given.is_dir()
        except OSError:  # e.g. a name too long for the file system: load_scenario names the problem
            is_folder = False
        if is_folder:
            files += sorted([*given.glob("*.yaml"), *given.glob("*.yml")])
        else:
            files.append(given)
    if not args.files:
        files = sorted(Path("scenarios").glob("*.yaml"))
    if not files:
        raise UserError("no scenario files (*.yaml) found; give the scenario files or folders to check.")
    failed = 0
    for path in files:
        try:
            s = load_scenario(path)
        except UserError as exc:
            failed += 1
            print(f"FAIL {display(path)}", flush=True)
            print(f"error: {exc}", file=sys.stderr, flush=True)
            continue
        changed = s.changed
        levers = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in changed.items())
        what = f"{len(changed)} lever(s) differ from the baseline: {levers}" if changed else "all levers at baseline"
        if s.schedule:
            weeks = ", ".join(f"week {week}: {len(changes)} lever(s)" for week, changes in s.schedule)
            what += f"; schedule changes levers at {weeks}"
        runs = f"{s.replications} replication{'s' if s.replications != 1 else ''}"
        print(f"OK   {display(path)}  ({s.steps} weeks, {runs}, seed {s.seed}; {what})")
    if len(files) > 1:
        print(f"{len(files) - failed} of {len(files)} files OK")
    return EXIT_USER_ERROR if failed else 0


def cmd_params(args: argparse.Namespace) -> int:
    """Print every parameter from the one declaration."""
    from .params import PARAMETERS, SEED_FILES

    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["name", "group", "default", "low", "high", "unit", "meaning", "source"])
        for p in PARAMETERS.values():
            writer.writerow([p.name, p.group, p.default, p.low, p.high, p.unit, p.meaning, p.source])
        return 0
    if args.format == "markdown":
        print("| Lever | Default | Range | Unit | Meaning | Sources |")
        print("|---|---|---|---|---|---|")
        for p in PARAMETERS.values():
            meaning = p.meaning.replace("|", "\\|")
            print(f"| `{p.name}` | {p.default} | {p.low} to {p.high} | {p.unit} | {meaning} | {p.source} |")
        print()
        for key, text in SEED_FILES.items():
            print(f"- `{key}`: {text}")
        return 0
    narrowest, widest = PARAMS_WIDTH
    width = max(narrowest, min(shutil.get_terminal_size(TERMINAL_FALLBACK).columns, widest))
    group = None
    for p in PARAMETERS.values():
        if p.group != group:
            group = p.group
            print(f"\n{group.upper()}")
        print(f"  {p.name:<28} default {p.default!s:<7} range {p.low}..{p.high}  {p.unit}  [sources {p.source}]")
        for line in textwrap.wrap(p.meaning, width=width - MEANING_INDENT):
            print(" " * MEANING_INDENT + line)
    print("\nSources (the seed documents the levers rest on, cited by number):")
    for key, text in SEED_FILES.items():
        print(f"  {key}: {text}")
    print("\nSet a lever in a scenario file under 'params:' or for one run with --set NAME=VALUE.")
    return 0


def cmd_patterns(args: argparse.Namespace) -> int:
    """Run the pattern-oriented validation and publish its results folder (docs/ only with --update-docs)."""
    from .patterns import main as patterns_main

    return int(
        patterns_main(
            replications=args.replications,
            out=Path(args.out),
            processes=args.processes,
            horizon=args.steps,
            update_docs_too=args.update_docs,
            progress=not args.quiet,
            **({"base_seed": args.base_seed} if args.base_seed is not None else {}),
        )
    )


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild report.html from an existing results folder."""
    from .published import rebuild_report

    if args.out is not None and not args.out.strip():
        raise UserError("--out is empty: give a file name ending in .html, or leave out --out to rewrite report.html.")
    written = rebuild_report(Path(args.folder), Path(args.out) if args.out else None, notify=note, lang=args.lang)
    print(f"wrote {display(written)}; open it in a browser")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """Start a planner's own scenario file from a commented copy."""
    from .workspace import new_scenario

    path = display(new_scenario(args.name, args.source))
    print(f"wrote {path}")
    print("next: change a few levers in it (every lever: python3 run.py params), then")
    print(f"  python3 run.py validate {path}")
    print(f"  python3 run.py {path}")
    print(f"  python3 run.py compare scenarios/npm_baseline.yaml {path}")
    return 0


def cmd_robustness(args: argparse.Namespace) -> int:
    """Vary each behavioural constant by -20% and +20% on paired seeds; publish robustness.csv and summarise."""
    from .robustness import MIN_REPLICATIONS, check_robustness, parse_constant_names, summary_text
    from .scenario import load_scenario

    names = parse_constant_names(args.constants)  # a bad name fails before the scenario is even read
    scenario = load_scenario(args.scenario, steps=args.steps, replications=args.replications)
    steps = scenario.steps
    replications = args.replications or max(MIN_REPLICATIONS, scenario.replications)
    if not args.quiet:
        what = f"{len(names)} named constant(s)" if names is not None else "every behavioural constant"
        print(
            f"Robustness of '{scenario.name}' to {what} at -20% and +20%: {steps} weeks x {replications} paired "
            f"seeds {scenario.seed}..{scenario.seed + replications - 1}",
            file=sys.stderr,
        )
        if replications < MIN_REPLICATIONS:
            note(f"note: {replications} seeds per variant; the check is meant for {MIN_REPLICATIONS} or more.")
    started = time.perf_counter()
    result = check_robustness(
        scenario,
        args.out,
        steps=steps,
        replications=replications,
        names=names,
        processes=args.processes,
        progress=not args.quiet,
        notify=note,
    )
    if args.quiet:
        print(display(result.folder))
        return 0
    print(f"\nDone in {time.perf_counter() - started:.1f} s. Results in: {display(result.folder)}/")
    print(f"  robustness.csv: one row per constant, change and outcome (week {steps}); runs.csv: every run\n")
    print(summary_text(result.table))
    return 0


def cmd_constants(args: argparse.Namespace) -> int:
    """Print every internal constant from the one declaration."""
    from .constants import CONSTANTS

    rows = [c for c in CONSTANTS.values() if args.kind is None or c.kind == args.kind]
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["name", "kind", "value", "low", "high", "where", "source", "meaning"])
        for c in rows:
            writer.writerow([c.name, c.kind, c.value, c.low, c.high, c.where, c.source, c.meaning])
        return 0
    if args.format == "markdown":
        print("| Constant | Kind | Value | Range | Where | Source | Meaning |")
        print("|---|---|---|---|---|---|---|")
        for c in rows:
            meaning = c.meaning.replace("|", "\\|")
            cells = [f"`{c.name}`", c.kind, f"{c.value:g}", f"{c.low:g} to {c.high:g}", c.where, c.source, meaning]
            print("| " + " | ".join(cells) + " |")
        return 0
    narrowest, widest = PARAMS_WIDTH
    width = max(narrowest, min(shutil.get_terminal_size(TERMINAL_FALLBACK).columns, widest))
    where = None
    for c in rows:
        if c.where != where:
            where = c.where
            print(f"\n{where.upper()}")
        print(f"  {c.name:<28} {c.kind:<11} value {c.value:<8g} range {c.low:g}..{c.high:g}  [source: {c.source}]")
        for line in textwrap.wrap(c.meaning, width=width - MEANING_INDENT):
            print(" " * MEANING_INDENT + line)
    print(
        f"\n{len(rows)} constant(s). Behavioural constants are what 'python3 run.py robustness SCENARIO.yaml' "
        "varies by -20% and +20%; the levers a scenario sets are listed by 'python3 run.py params'."
    )
    return 0


# -------------------------------------------------------------------- main
