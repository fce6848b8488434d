"""``python3 -m cocreate_sim.sweep sweep SWEEP.yaml`` / ``python3 -m cocreate_sim.sweep analyse OUTDIR``.

An entry point, like ``run.py``: the project's one command line, with its one way of reporting mistakes.
"""

import sys

from ..cli import main

sys.exit(main(sys.argv[1:]))
