"""``python3 -m cocreate_sim.sweep sweep SWEEP.yaml`` / ``python3 -m cocreate_sim.sweep analyse OUTDIR``."""

import sys

from .cli import main

sys.exit(main())
