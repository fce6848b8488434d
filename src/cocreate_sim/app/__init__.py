"""The browser app for teachers: move the levers, watch the municipality change.

``python run.py serve`` starts it (see ``docs/app.md``). This module only
adds the ``serve`` subcommand; Dash is imported when the app starts, so the
rest of the command line stays quick.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import time

from ..errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand to the command line."""
    parser = subparsers.add_parser(
        "serve",
        help="start the browser app for teaching (works offline)",
        description=(
            "Start the browser app: sliders for the model's levers, play/pause/step/reset, a live picture of the "
            "organisation and charts of uptake, inclusion, initiatives and drop-out, with a side-by-side mode. "
            "Everything is served from installed packages, so no internet is needed. Only this computer can "
            "open it unless you pass --host 0.0.0.0."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(func=serve)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this computer only; 0.0.0.0 opens it to the network)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument(
        "--scenarios",
        default=None,
        metavar="DIR",
        help="folder of scenario files offered as presets (default: ./scenarios)",
    )


def _check_free(info: tuple, port: int) -> None:
    """Raise OSError if the address is taken (werkzeug would exit the process instead)."""
    family, kind, proto, _, address = info
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address[:2] if family == socket.AF_INET else address)


def serve(args: argparse.Namespace) -> int:
    """Start the app, print its address, serve until Ctrl+C."""
    started = time.perf_counter()
    port = args.port
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise UserError(f"serve: --port must be a whole number from 0 to 65535 (0 picks a free port); got {port!r}.")
    host = str(args.host)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise UserError(f"serve: --host '{host}' is not an address this computer can listen on ({err}).") from None
    if not infos:  # pragma: no cover - getaddrinfo raises instead
        raise UserError(f"serve: --host '{host}' is not an address this computer can listen on.")

    from werkzeug.serving import make_server

    from .server import create_app

    app = create_app(args.scenarios)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        _check_free(infos[0], port)
        server = make_server(host, port, app.server, threaded=True)
    except OSError as err:
        raise UserError(
            f"serve: cannot listen on {host}:{port} ({err.strerror or err}). Another program may be using the port; "
            "choose another with --port."
        ) from None
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{server.server_port}/"
    try:
        print(f"cocreate_sim app ready in {time.perf_counter() - started:.1f} s at {url}", flush=True)
        if host not in LOCAL_HOSTS:
            print(f"note: listening on {host}, so other computers on the network can open it.", flush=True)
        print("Open the address in a browser; press Ctrl+C to stop.", flush=True)
        server.serve_forever()  # werkzeug's server returns quietly on Ctrl+C
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("stopped.", file=sys.stderr)
    return 0
