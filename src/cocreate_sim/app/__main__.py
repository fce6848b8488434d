"""``python3 -m cocreate_sim.app``: the same as ``python3 run.py serve``."""

from __future__ import annotations

import argparse
import sys

from ..errors import UserError
from . import add_arguments, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m cocreate_sim.app", description="Start the browser app.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return serve(args)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
