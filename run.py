"""Command line of cocreate_sim: ``python3 run.py --help``.

Runs the code of this source tree (``src/``) even when the package is not
installed, or is installed from another checkout.

The SIGTERM handler is installed first, before anything else is imported, so
that ``kill`` during start-up ends with status 143 like a kill later on (the
command line then installs its own handler, which also cleans up).
"""

import os
import signal
import sys

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""
EXIT_TERMINATED = 143
"""Exit status after SIGTERM (128 + 15), as shells report it."""


def _terminated_while_starting(signum, frame):
    """SIGTERM before the command line took over: no command has started yet."""
    os.write(2, b"terminated while starting: no command had started yet.\n")
    raise SystemExit(EXIT_TERMINATED)


if __name__ == "__main__":  # not in worker processes, which import this file as __mp_main__
    signal.signal(signal.SIGTERM, _terminated_while_starting)

from pathlib import Path  # noqa: E402 - after the signal handler, on purpose

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

if __name__ == "__main__":
    try:
        from cocreate_sim.cli import run_and_exit
    except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing started, nothing written
        sys.exit(EXIT_INTERRUPTED)
    run_and_exit()
