"""Memory kept per model run and per app reset: what a long-running process grows by.

Mesa before 3.4 keeps every model ever built alive in the class-level
``mesa.Agent._ids`` (Mesa issue #3179); :func:`cocreate_sim.runner.release`
drops a finished model from it, and ``run_model``/``run_timeseries`` call it.
Prints, each measured in a fresh process:
- resident memory growth per ``run_model`` call (default levers, and 20,000
  citizens), after a warm-up of runs whose memory is not counted;
- growth per reset of a browser-app session (``Session.rebuild``), if the
  app can be imported;
- how many models are still alive at the end (0 when they are released).

Before the fix (Mesa 3.3.1, Python 3.11): about 1.1 MB per default run,
9.4 MB per run at 20,000 citizens, about 1 MB per app reset.
Run:  python3 benchmarks/bench_memory.py [--runs N] [--src OLD_CHECKOUT/src]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
WARM_UP = 20
"""Runs (or resets) before the baseline is taken: caches, imports and allocator pools fill first."""
STEPS = 4
"""Weeks per run: the leak is the whole model, whatever its horizon, so short runs measure it."""

_CHILD = r"""
import gc, json, os, sys
sys.path.insert(0, {src!r})
from cocreate_sim.model import CoCreationModel

def rss_mb():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6

kind, runs, warm, steps, citizens = {kind!r}, {runs}, {warm}, {steps}, {citizens}
if kind == "run":
    from cocreate_sim.runner import run_model

    def once(i):
        run_model(steps=steps, rng=i, n_citizens=citizens)
else:
    from cocreate_sim.app.presets import default_preset
    from cocreate_sim.app.sessions import Session

    session = Session(default_preset())

    def once(i):
        session.set_seed(i + 2)  # a new seed: the session builds a new model and releases the old one
        session.step(steps)

for i in range(warm):
    once(i)
gc.collect()
before = rss_mb()
for i in range(warm, warm + runs):
    once(i)
gc.collect()
after = rss_mb()
alive = sum(isinstance(o, CoCreationModel) for o in gc.get_objects())
print(json.dumps({{"per_run_mb": (after - before) / runs, "alive": alive}}))
"""


def measure(kind: str, runs: int, citizens: int, src: Path = SRC) -> dict:
    """Growth per run (or reset) in MB and models alive at the end, from a fresh process."""
    code = _CHILD.format(src=str(src), kind=kind, runs=runs, warm=WARM_UP, steps=STEPS, citizens=citizens)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "child failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100, help="runs (and resets) measured after the warm-up")
    parser.add_argument("--src", type=Path, default=SRC, help="the src/ folder to measure (e.g. an older checkout's)")
    args = parser.parse_args()
    import mesa

    print(
        f"Mesa {mesa.__version__}, Python {sys.version.split()[0]}, {args.src}; "
        f"growth measured over the runs after {WARM_UP} warm-up runs"
    )
    for label, citizens, runs in (("default (2,000 citizens)", 2000, args.runs), ("20,000 citizens", 20000, 20)):
        got = measure("run", runs, citizens, args.src)
        print(f"run_model, {label}: {got['per_run_mb']:+.3f} MB per run over {runs} runs; models alive: {got['alive']}")
    try:
        got = measure("reset", args.runs, 2000, args.src)
    except RuntimeError as exc:  # no app in that checkout, or its extra is not installed
        print(f"app reset: not measured (the app could not be used: {exc})")
        return 0
    print(
        f"app session reset: {got['per_run_mb']:+.3f} MB per reset over {args.runs} resets; "
        f"models alive: {got['alive']} (the session's own model is one)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
