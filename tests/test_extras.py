"""The optional extras install and work against the core's own pinned libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_pyabc_runs_a_small_abc_smc_with_this_pandas(tmp_path: Path):
    """pyabc issue #632: newer pandas broke pyabc; the [calibrate] pin must work with ours."""
    pyabc = pytest.importorskip("pyabc")

    def model(parameters: dict) -> dict:
        return {"y": parameters["theta"] + 0.01 * np.random.default_rng().normal()}

    prior = pyabc.Distribution(theta=pyabc.RV("uniform", 0, 1))
    abc = pyabc.ABCSMC(model, prior, population_size=20, sampler=pyabc.sampler.SingleCoreSampler())
    abc.new(f"sqlite:///{tmp_path / 'abc.db'}", {"y": 0.5})
    history = abc.run(max_nr_populations=2)
    frame, weights = history.get_distribution()
    assert len(frame) == 20 and abs(float(np.sum(weights)) - 1.0) < 1e-9
    assert abs(float(np.sum(frame["theta"].to_numpy() * weights)) - 0.5) < 0.25


def test_help_is_light_and_names_no_missing_extra():
    """`run.py --help` imports neither Dash, Dask, SALib, pandas nor plotly."""
    code = (
        "import sys, runpy; sys.argv = ['run.py', '--help']\n"
        "try:\n    runpy.run_path('run.py', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('dash', 'distributed', 'SALib', 'pandas', 'plotly', 'mesa') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]
