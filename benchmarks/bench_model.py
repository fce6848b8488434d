"""Speed and memory of the model, against Mesa's own Boltzmann wealth model.

Prints, from one run of this script:
- wall time of the default scenario (260 weeks, 2,000 citizens);
- cost per agent-step in microseconds (wall time / (Mesa agents x steps)),
  and the same for Mesa's Boltzmann wealth example in the same process, with
  their ratio (target <= 0.25: issue 10 keeps the model cheap per agent-step);
- wall time and peak memory (max RSS of a fresh process) at 1x, 10x and 50x
  the default citizen population (targets: cost no faster than linear in
  citizens; 100,000 citizens within 2 GB).

Citizens are Mesa agents whose weekly decisions are taken in one numpy batch
(agents/citizens.py); workers, leaders and politicians step one by one.
Run:  python3 benchmarks/bench_model.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

STEPS = 260


def _best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def cocreate_default() -> tuple[float, int]:
    from cocreate_sim import CoCreationModel

    def run():
        model = CoCreationModel(rng=42)
        for _ in range(STEPS):
            model.step()
        run.agents = len(model.agents)

    wall = _best_of(run)
    return wall, run.agents


def boltzmann(n: int = 100, steps: int = STEPS) -> float:
    """Seconds per agent-step of Mesa's Boltzmann wealth example (either Mesa API)."""
    import inspect

    from mesa.examples.basic.boltzmann_wealth_model import model as bw

    if "scenario" in inspect.signature(bw.BoltzmannWealth.__init__).parameters:
        make = lambda: bw.BoltzmannWealth(scenario=bw.BoltzmannScenario(n=n, rng=42))  # noqa: E731
    else:
        make = lambda: bw.BoltzmannWealth(n=n, seed=42)  # noqa: E731

    def run():
        model = make()
        for _ in range(steps):
            model.step()

    return _best_of(run) / (n * steps)


def child(n_citizens: int) -> None:
    """Run one default-length model with ``n_citizens`` agents and report wall time and max RSS.

    The inhabitants stay the default 40,000 as long as there are fewer agents; beyond that each agent
    stands for one inhabitant (``population = n_citizens``).
    """
    import resource

    from cocreate_sim import CoCreationModel

    t0 = time.perf_counter()
    model = CoCreationModel(rng=42, n_citizens=n_citizens, population=max(40_000, n_citizens))
    for _ in range(STEPS):
        model.step()
    wall = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"n_citizens": n_citizens, "wall_s": wall, "peak_mb": rss_mb, "agents": len(model.agents)}))


def main() -> None:
    import mesa

    wall, agents = cocreate_default()
    ours = wall / (agents * STEPS)
    theirs = boltzmann()
    print(f"mesa {mesa.__version__}, python {sys.version.split()[0]}")
    print(f"default scenario: {STEPS} weeks, {agents} agents, wall {wall:.3f} s (target < 2 s)")
    print(
        f"cost per agent-step: cocreate_sim {ours * 1e6:.2f} us, Boltzmann wealth {theirs * 1e6:.2f} us, "
        f"ratio {ours / theirs:.2f} (target <= 0.25)"
    )
    print("scaling in citizens (fresh process each):")
    rows = []
    for factor in (1, 10, 50):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(2000 * factor)], capture_output=True, text=True, check=True
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"  {factor:>2}x  {row['n_citizens']:>7} citizens: wall {row['wall_s']:7.2f} s, "
            f"peak memory {row['peak_mb']:7.0f} MB, {row['wall_s'] / row['n_citizens'] * 1e6:6.1f} us per citizen"
        )
    growth = (rows[-1]["wall_s"] / rows[0]["wall_s"]) / (rows[-1]["n_citizens"] / rows[0]["n_citizens"])
    print(f"wall-time growth 1x->50x relative to linear: {growth:.2f} (<= 1.0 means no faster than linear)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
