"""Sweep throughput (in this process vs Dask with 2 workers), the cost of the results store, small-sweep latency.

Prints first the wall time of ``python3 run.py sweep`` on a 4-run, 2-week
sweep (which runs in this process, without starting Dask; target < 1.5 s,
interpreter start-up and analysis included), then, for a sweep of N runs
(default 200) of the NPM baseline scenario (scenarios/npm_baseline.yaml, 260
weeks, 2,000 citizens):

- a bare loop: the same runs, one after another, calling ``run_model`` in
  this process and keeping nothing;
- the store path in this process: the same runs in the engine's chunks, each
  chunk written through the results store (Parquet, checksum, fsync, atomic
  rename); the store overhead is its extra time over the bare loop, and the
  time spent inside the store's writes over the bare loop (target < 5%).
  Both alternate chunk by chunk, so that other load falls on both alike;
- ``run_sweep`` end to end with ``workers=1`` (in this process) and on an
  embedded Dask LocalCluster with 2 worker processes, in runs per second end
  to end (cluster start-up included) and once the workers are up, and their
  ratios (target >= 1.8 on 2 cores), alternating for three rounds and
  reporting the median ratio.

The machine should be otherwise idle: other processes on the same cores
lower the 2-worker figure. Run:  python3 benchmarks/bench_sweep.py [--runs N] [--steps W] [--rounds R]

``--million`` measures instead the start of a sweep at the run limit
(``limits.MAX_SWEEP_RUNS``: a 1000 x 1000 grid, 1 replication, horizon 1,
from the shell with ``--out``): seconds to the first stored chunk, the main
process's peak resident memory (VmHWM) until then, and the manifest's size
(targets: < 30 s, < 500 MB); it then interrupts the sweep with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL_SWEEP = """\
design: grid
vary:
  zero_error_culture: [0.2, 0.8]
  leader_dialogue: [0.1, 0.9]
replications: 1
horizon: 2
seed: 5
outcomes: [uptake, public_value]
"""
"""A 4-run, 2-week sweep: small enough to run in this process."""
SMALL_TARGET_SECONDS = 1.5
"""Wall time a 4-run sweep should take end to end, from the shell."""
SMALL_REPEATS = 3
"""Times the small sweep is run; the median is reported."""
DEFAULT_RUNS = 200
"""Runs of the throughput sweep (at least limits.IN_PROCESS_RUNS, so that 2 workers use Dask)."""
DEFAULT_STEPS = 260
"""Weeks per run of the throughput sweep (the baseline scenario's five years)."""
DEFAULT_ROUNDS = 3
"""Rounds of the 1-vs-2-worker comparison; the median ratio is reported."""
MILLION_SIDE = 1000
"""Values per lever of the million-run grid (1000 x 1000 points)."""
MILLION_WAIT_SECONDS = 300
"""Longest wait for the million-run sweep's first chunk."""
POLL_SECONDS = 0.05
"""How often the million-run measurement looks for the first chunk and reads the peak memory."""
KIB_PER_MIB = 1024
"""/proc reports memory in KiB."""


def million_run_start(folder: Path) -> None:
    """Seconds to the first chunk, peak memory and manifest size of a sweep at the run limit; then Ctrl-C."""
    import signal

    values = ", ".join(str(round(i / (MILLION_SIDE - 1), 6)) for i in range(MILLION_SIDE))
    path = folder / "million.yaml"
    path.write_text(
        f"design: grid\nvary:\n  zero_error_culture: [{values}]\n  leader_dialogue: [{values}]\n"
        "replications: 1\nhorizon: 1\nseed: 3\n"
        "params: {n_citizens: 50, n_departments: 2, workers_per_department: 3}\noutcomes: [uptake]\n"
    )
    out = folder / "million"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "run.py", "sweep", str(path), "--out", str(out), "--no-progress"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    peak_kib, first = 0, None
    while time.perf_counter() - started < MILLION_WAIT_SECONDS and proc.poll() is None:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM"):
                peak_kib = int(line.split()[1])
        if (out / "runs").is_dir() and any((out / "runs").glob("chunk-*.parquet")):
            first = time.perf_counter() - started
            break
        time.sleep(POLL_SECONDS)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait()
    manifest = out / "manifest.json"
    print(
        f"million-run grid sweep: first chunk after {first if first is None else f'{first:.1f} s'} "
        f"(target < 30 s), main process peak {peak_kib / KIB_PER_MIB:.0f} MB (target < 500 MB), manifest "
        f"{manifest.stat().st_size if manifest.exists() else 0:,} bytes"
    )


def small_sweep_seconds(folder: Path) -> list[float]:
    """Wall times of ``python3 run.py sweep`` on :data:`SMALL_SWEEP`, each into a fresh folder."""
    path = folder / "small.yaml"
    path.write_text(SMALL_SWEEP)
    times = []
    for i in range(SMALL_REPEATS):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "run.py", "sweep", str(path), "--out", str(folder / f"small-{i}"), "--no-progress"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return times


def mesa_import_seconds() -> list[float]:
    """Wall times of starting Python and importing Mesa alone: the floor under any command that runs a model."""
    times = []
    for _ in range(SMALL_REPEATS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import mesa"], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def make_sweep(folder: Path, runs: int, steps: int):
    """N replications of the baseline: one design point (the baseline's own zero_error_culture)."""
    from cocreate_sim.sweep import load_sweep

    path = folder / "bench.yaml"
    path.write_text(
        f"base: {ROOT / 'scenarios' / 'npm_baseline.yaml'}\n"
        "design: grid\nvary:\n  zero_error_culture: [0.7]\n"
        f"replications: {runs}\nhorizon: {steps}\nseed: 1\noutcomes: [uptake, public_value]\n"
    )
    return load_sweep(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help="1-vs-2-worker rounds; the median ratio is reported"
    )
    parser.add_argument("--million", action="store_true", help="only the start of a million-run sweep")
    args = parser.parse_args()
    if args.million:
        with tempfile.TemporaryDirectory() as tmp:
            million_run_start(Path(tmp))
        return

    from cocreate_sim.runner import run_model
    from cocreate_sim.sweep import build_manifest, default_chunk_size, run_chunk, run_specs, run_sweep
    from cocreate_sim.sweep.store import SweepStore

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = small_sweep_seconds(folder)
        print(
            f"4-run, 2-week sweep from the shell (in this process): {statistics.median(small):.2f} s wall, median "
            f"of {SMALL_REPEATS} (target < {SMALL_TARGET_SECONDS} s); runs: {', '.join(f'{t:.2f}' for t in small)}"
        )
        floor = mesa_import_seconds()
        print(f"  of which 'python3 -c \"import mesa\"' alone takes {statistics.median(floor):.2f} s (median)")
        sweep = make_sweep(folder, args.runs, args.steps)
        manifest = build_manifest(sweep)
        specs = run_specs(manifest, list(range(manifest["n_runs"])))
        print(
            f"sweep: {args.runs} runs of npm_baseline, {args.steps} weeks each; {os.cpu_count()} cores, "
            f"load average before: {os.getloadavg()[0]:.2f}"
        )

        # Bare loop and store path alternate chunk by chunk on the same runs, so that load from
        # other processes falls on both alike.
        store = SweepStore.open(folder / "store", manifest)
        size = default_chunk_size(len(specs), 2)
        bare = stored = writing = 0.0
        for start in range(0, len(specs), size):
            chunk = specs[start : start + size]
            t0 = time.perf_counter()
            for spec in chunk:
                run_model(steps=sweep.horizon, rng=spec["seed"], **spec["params"])
            t1 = time.perf_counter()
            rows = run_chunk(chunk, sweep.horizon)
            t2 = time.perf_counter()
            store.write_chunk(rows)
            t3 = time.perf_counter()
            bare += t1 - t0
            stored += t3 - t1
            writing += t3 - t2
        store.close()
        print(f"bare loop (run_model, nothing kept):  {bare:7.1f} s  {args.runs / bare:6.2f} runs/s")
        print(
            f"same runs through the store:         {stored:7.1f} s  {args.runs / stored:6.2f} runs/s  "
            f"({len(specs) // size + bool(len(specs) % size)} chunk files of <= {size} runs)"
        )
        print(
            f"store overhead: {100 * (stored - bare) / bare:+.1f}% of the bare loop's time, of which "
            f"{100 * writing / bare:.2f}% inside the store's writes (target < 5%)"
        )

        # 1 worker (in this process) and 2 Dask workers alternate for --rounds rounds; the median ratio
        # resists bursts of other load.
        ratios, ratios_up, one_worker = [], [], []
        for round_no in range(1, args.rounds + 1):
            rates = {}
            for workers in (1, 2):
                target = folder / f"dask{workers}-{round_no}"
                result = run_sweep(sweep, target, workers=workers, progress=False, analyse=False, in_process_below=0)
                rates[workers] = (args.runs / result.seconds, args.runs / result.run_seconds)
                print(
                    f"round {round_no}, {'Dask LocalCluster, 2 workers' if workers > 1 else 'in this process      '}: "
                    f"{result.seconds:6.1f} s  {rates[workers][0]:5.2f} runs/s end to end; "
                    f"{rates[workers][1]:5.2f} runs/s once the cluster is up  (load {os.getloadavg()[0]:.2f})"
                )
            ratios.append(rates[2][0] / rates[1][0])
            ratios_up.append(rates[2][1] / rates[1][1])
            one_worker.append(args.runs / rates[1][0])
        print(
            f"speed-up 2 vs 1 workers, median of {args.rounds} rounds: {statistics.median(ratios):.2f}x end to end, "
            f"{statistics.median(ratios_up):.2f}x once the cluster is up (target >= 1.8x on 2 cores); "
            f"rounds: {', '.join(f'{r:.2f}x' for r in ratios)}"
        )
        print(
            f"engine + store in this process vs bare loop: "
            f"{100 * (statistics.median(one_worker) - bare) / bare:+.1f}% time (median round)"
        )
        print(f"load average after: {os.getloadavg()[0]:.2f} (other processes on the cores skew the ratios)")


if __name__ == "__main__":
    main()
