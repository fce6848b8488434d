"""Command line of cocreate_sim: ``python3 run.py --help``.

Runs the code of this source tree (``src/``) even when the package is not
installed, or is installed from another checkout.
"""

import sys
from pathlib import Path

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

if __name__ == "__main__":
    try:
        from cocreate_sim.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing started, nothing written
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(main())
