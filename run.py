"""Command line of cocreate_sim: ``python run.py --help``."""

import sys

from cocreate_sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
