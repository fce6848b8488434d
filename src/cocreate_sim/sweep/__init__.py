"""Parameter sweeps: a design, runs in this process or on Dask, crash-safe results, sensitivity analysis.

Three seams, as in SALib: *sample* (:mod:`.design`: :func:`load_sweep` reads
and validates a sweep file, :class:`Design` makes the design points of a chunk
when the chunk is made, :func:`build_manifest` records the design's definition), *run* (:mod:`.execution`:
:func:`run_sweep` sends chunks of runs to the executor of
:mod:`cocreate_sim.executor` and stores each finished chunk at once through
:class:`~cocreate_sim.sweep.store.SweepStore`), *analyse* (:mod:`.analysis`).
Every run's seed derives from the base seed and its run id alone, so the rows
do not depend on the executor, the number of workers or the order in which
chunks finish.

Command line: ``python3 run.py sweep SWEEP.yaml [--workers N] [--cluster ADDRESS] [--out DIR]``
and ``python3 run.py analyse OUTDIR``; see ``docs/sweeps.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .cli import register

_EXPORTS = {
    "DESIGNS": "design",
    "Design": "design",
    "SAMPLED": "design",
    "Sweep": "design",
    "build_manifest": "design",
    "count_points": "design",
    "design_points": "design",
    "load_sweep": "design",
    "model_code_hash": "design",
    "run_seed": "design",
    "salib_problem": "design",
    "sample_matrix": "design",
    "SweepResult": "execution",
    "default_chunk_size": "execution",
    "run_chunk": "execution",
    "run_specs": "execution",
    "run_sweep": "execution",
    "analyse": "analysis",
    "sensitivity": "analysis",
    "SweepStore": "store",
    "load_runs": "store",
    "read_manifest": "store",
}
"""Public names and the module defining each; imported on first use, so that the command line starts fast."""


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = ["register", *_EXPORTS]
