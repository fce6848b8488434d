"""``python3 -m cocreate_sim.sweep sweep SWEEP.yaml`` / ``python3 -m cocreate_sim.sweep analyse OUTDIR``.

An entry point, like ``run.py``: the project's one command line, with its one way of reporting mistakes.
"""

import sys

from ..cli import run_and_exit

run_and_exit(sys.argv[1:])
