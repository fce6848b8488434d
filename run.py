"""Command line of cocreate_sim: ``python run.py --help``.

Runs the code of this source tree (``src/``) even when the package is not
installed, or is installed from another checkout.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

if __name__ == "__main__":
    try:
        from cocreate_sim.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing started, nothing written
        sys.exit(130)
    sys.exit(main())
