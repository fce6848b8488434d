"""The browser app for teachers: move the levers, watch the municipality change.

``python3 run.py serve`` starts it (see ``docs/app.md``). This module only
adds the ``serve`` subcommand and must stay light: Dash, plotly, pandas and the
model are imported when the app starts, never when the command line is built,
so ``python3 run.py --help`` stays quick.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import math
import os
import re
import signal
import site
import socket
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import UserError, shorten
from ..i18n import DEFAULT_LANGUAGE, add_language_option
from ..limits import APP_SESSIONS, AUTO_APP_WORKERS, MAX_APP_SESSIONS, MAX_APP_WORKERS

DEFAULT_HOST = "127.0.0.1"
"""Listen on this computer only, unless the teacher asks for the network."""
DEFAULT_PORT = 8050
"""Dash's usual port."""
MAX_PORT = 65535
"""Largest TCP port number."""
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
"""Addresses that only this computer can reach (anything else gets a note that the network can open the app)."""
APP_PACKAGES = {"dash", "plotly", "flask", "werkzeug"}
"""Top-level packages the app needs beyond the model; if one is missing, ``serve`` says how to install them."""
NEEDS_APP_EXTRA = (
    "serve: the browser app needs Dash, which is not installed here. Install the package with its [app] extra: "
    "python3 -m pip install -e '.[app]' (in the repository's folder), then run the command again."
)
"""The one paragraph ``serve`` prints (exit status 2) when the app's packages are missing."""
STARTING = "cocreate_sim app starting..."
"""First line ``serve`` prints, once Ctrl+C and SIGTERM stop it cleanly (before the slow imports)."""
STOPPED = "stopped."
"""Last line ``serve`` prints (on stderr) when Ctrl+C or SIGTERM stops it, at any moment."""
WORKER = re.compile(r"^(\d+)/(\d+)$")
"""``--worker K/N``: this process is worker K of N behind the front (:mod:`.proxy`); internal."""


class _Stop(BaseException):
    """Raised by the SIGTERM handler, so that a server asked to stop does so as on Ctrl+C."""


def _on_sigterm(signum: int, frame: Any) -> None:  # pragma: no cover - exercised through a subprocess test
    raise _Stop()


def _set_handler(signum: int, handler: Any) -> Any:
    """Install ``handler`` for ``signum``; the previous one, or None outside the main thread (where none can be set)."""
    try:
        return signal.signal(signum, handler)
    except ValueError:
        return None


def _set_sigterm(handler: Any) -> Any:
    return _set_handler(signal.SIGTERM, handler)


class _HeldSignals:
    """Ctrl+C and SIGTERM that arrive while the app's packages import are held until the imports are over.

    Raised inside a compiled extension's initialisation (a Rust extension importing ``datetime``), the
    exception made the extension panic and the process exit with status 1 and a Rust backtrace instead of
    "stopped." (seen once on CI). After the block the held signal acts as it would have: ``_Stop`` for
    SIGTERM, ``KeyboardInterrupt`` for Ctrl+C.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __enter__(self) -> _HeldSignals:
        self.held: int | None = None
        self.previous = [(signum, _set_handler(signum, self._hold)) for signum in self.SIGNALS]
        return self

    def _hold(self, signum: int, frame: Any) -> None:
        if self.held is None:
            self.held = signum

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> bool:
        for signum, previous in self.previous:
            if previous is not None:
                signal.signal(signum, previous)
        if kind is None and self.held is not None:
            raise KeyboardInterrupt if self.held == signal.SIGINT else _Stop()
        return False


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand to the command line."""
    parser = subparsers.add_parser(
        "serve",
        help="start the browser app for teaching (works offline)",
        description=(
            "Start the browser app: sliders for the model's levers, play/pause/step/reset, a live picture of the "
            "organisation, monitors and charts, a side-by-side mode, guided lessons and an Info tab, in English or "
            "Danish (--lang da). "
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
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=None,
        metavar="N",
        help=f"most open pages that keep their run on the server (default {APP_SESSIONS}; each needs 1-3 MB); "
        "beyond it the least recently used page is told its session expired",
    )
    parser.add_argument(
        "--workers",
        default="auto",
        metavar="N",
        help="processes that run the pages' models (default auto: one per core, at most "
        f"{AUTO_APP_WORKERS}); a class of 60 pages needs more than one core. Each needs about 150 MB",
    )
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # K/N: a worker behind the front
    parser.add_argument("--channel", type=int, default=None, help=argparse.SUPPRESS)  # its socket's descriptor
    add_language_option(
        parser, "language of the page when its address does not say (en or da); the page has a switch as well"
    )


def auto_workers() -> int:
    """Worker processes for ``--workers auto``: the cores this process may use, at most AUTO_APP_WORKERS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, AUTO_APP_WORKERS))


def checked_workers(value: Any) -> int:
    """The number of worker processes ``--workers`` asks for; UserError for anything else."""
    if value in (None, "auto"):
        return auto_workers()
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_APP_WORKERS:
        raise UserError(
            f"serve: --workers must be 'auto' or a whole number from 1 to {MAX_APP_WORKERS}; got {shorten(value)}."
        )
    return int(text)


def _worker_place(value: Any) -> tuple[int, int] | None:
    """``--worker K/N`` as (K, N), or None when this process serves on its own."""
    if value is None:
        return None
    match = WORKER.match(str(value))
    if not match or not 0 <= int(match.group(1)) < int(match.group(2)) <= MAX_APP_WORKERS:
        raise UserError(f"serve: --worker must be K/N with 0 <= K < N <= {MAX_APP_WORKERS}; got {shorten(value)}.")
    return int(match.group(1)), int(match.group(2))


def _check_free(info: tuple, port: int) -> None:
    """Raise OSError if the address is taken (werkzeug would exit the process instead)."""
    family, kind, proto, _, address = info
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address[:2] if family == socket.AF_INET else address)


def _load_app() -> tuple[Any, Any]:
    """Import the app (Dash, plotly, the model) now that it is needed; raise UserError if Dash is missing."""
    try:
        import dash  # noqa: F401
        from werkzeug.serving import make_server
    except ImportError as err:
        if (err.name or "").split(".")[0] in APP_PACKAGES:
            raise UserError(NEEDS_APP_EXTRA) from None
        raise
    from .server import create_app

    return create_app, make_server


def _check_app_packages() -> None:
    """UserError (NEEDS_APP_EXTRA) if a package the app needs is missing, without importing any of them."""
    for name in sorted(APP_PACKAGES):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise UserError(NEEDS_APP_EXTRA)


def serve(args: argparse.Namespace) -> int:
    """Start the app, print its address, serve until Ctrl+C or SIGTERM; either stops it cleanly, at any moment.

    The SIGTERM handler is installed first, before the slow imports, so a
    server stopped while it starts says "stopped." and exits with status 0
    just as one stopped while it serves.
    """
    previous = _set_sigterm(_on_sigterm)
    try:
        return _serve(args)
    except (KeyboardInterrupt, _Stop):
        _set_sigterm(signal.SIG_IGN)  # a second SIGTERM must not interrupt the clean-up
        if getattr(args, "worker", None) is None:  # a worker's front says it for the whole server
            print(STOPPED, file=sys.stderr, flush=True)
        return 0
    finally:
        if previous is not None:
            _set_sigterm(previous)


def _serve(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    port = args.port
    if not isinstance(port, int) or not 0 <= port <= MAX_PORT:
        raise UserError(
            f"serve: --port must be a whole number from 0 to {MAX_PORT} (0 picks a free port); got {shorten(port)}."
        )
    sessions = getattr(args, "max_sessions", None)
    if sessions is not None and (not isinstance(sessions, int) or not 1 <= sessions <= MAX_APP_SESSIONS):
        raise UserError(
            f"serve: --max-sessions must be a whole number from 1 to {MAX_APP_SESSIONS}; got {shorten(sessions)}."
        )
    place = _worker_place(getattr(args, "worker", None))
    workers = 1 if place is not None else checked_workers(getattr(args, "workers", "auto"))
    host = str(args.host)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise UserError(
            f"serve: --host {shorten(host)} is not an address this computer can listen on ({err})."
        ) from None
    if not infos:  # pragma: no cover - getaddrinfo raises instead
        raise UserError(f"serve: --host {shorten(host)} is not an address this computer can listen on.")
    if place is not None:
        return _serve_worker(args, place, sessions)
    print(STARTING, flush=True)
    if workers > 1:
        _check_app_packages()  # here, not in each worker: the front itself never imports Dash
        return _serve_front(args, host, infos[0][4][0], port, workers, sessions, started)

    with _HeldSignals():
        create_app, make_server = _load_app()
        app = create_app(args.scenarios, sessions, getattr(args, "lang", DEFAULT_LANGUAGE))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        _check_free(infos[0], port)
        server = make_server(host, port, app.server, threaded=True)
    except OSError as err:
        raise _cannot_listen(host, port, err) from None
    url = _url(host, server.server_port)
    try:
        _ready(url, host, started)
        server.serve_forever()  # werkzeug's server returns quietly on Ctrl+C; SIGTERM raises _Stop
    finally:
        server.server_close()
    print(STOPPED, file=sys.stderr)
    return 0


def _url(host: str, port: int) -> str:
    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{port}/"


def _cannot_listen(host: str, port: int, err: OSError) -> UserError:
    return UserError(
        f"serve: cannot listen on {host}:{port} ({err.strerror or err}). Another program may be using the port; "
        "choose another with --port."
    )


def _ready(url: str, host: str, started: float, workers: int = 1) -> None:
    """Say where the app is."""
    processes = f" ({workers} worker processes)" if workers > 1 else ""
    print(f"cocreate_sim app ready in {time.perf_counter() - started:.1f} s at {url}{processes}", flush=True)
    if host not in LOCAL_HOSTS:
        print(f"note: listening on {host}, so other computers on the network can open it.", flush=True)
    print("Open the address in a browser; press Ctrl+C to stop.", flush=True)


def _serve_worker(args: argparse.Namespace, place: tuple[int, int], sessions: int | None) -> int:
    """Worker K of N behind the front: the app without a server, answering the requests its channel brings.

    It stops when the front closes the channel (even a front that was killed) or on SIGTERM.
    """
    channel = getattr(args, "channel", None)
    if not isinstance(channel, int) or channel < 0:
        raise UserError("serve: --worker needs --channel FD (it is started by the app's front, not by hand).")
    with _HeldSignals():
        create_app, _make_server = _load_app()
        app = create_app(args.scenarios, sessions, getattr(args, "lang", DEFAULT_LANGUAGE), place)
    from .channel import WORKER_READY, serve_channel

    try:
        sock = socket.socket(fileno=channel)
    except OSError as err:
        raise UserError(f"serve: --channel {channel} is not a socket this process has ({err}).") from None
    try:
        print(WORKER_READY, flush=True)
    except BrokenPipeError:  # the front went away while this worker started
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to tell it, even at exit
        return 0
    serve_channel(app.server, sock)
    return 0


def _workers_find_this_package() -> None:
    """Let the workers import this copy of the package when it is not installed (``run.py`` from a checkout).

    An installed package is found anyway, and its folder (site-packages) must not be put ahead of the
    standard library on the workers' module path.
    """
    parent = str(Path(__file__).resolve().parents[2])
    installed = {str(Path(p).resolve()) for p in (*site.getsitepackages(), site.getusersitepackages())}
    if parent in installed:
        return
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (parent, os.environ.get("PYTHONPATH", "")) if p)


def _serve_front(
    args: argparse.Namespace, host: str, address: str, port: int, workers: int, sessions: int | None, started: float
) -> int:
    """Serve through the front (:mod:`.proxy`) with ``workers`` worker processes, each an ordinary app.

    The pages' sessions are shared out among the workers, so each keeps its share of ``--max-sessions``.
    """
    from .proxy import WorkerStartError, run_front

    per_worker = math.ceil((APP_SESSIONS if sessions is None else sessions) / workers)
    _workers_find_this_package()
    common = ["--max-sessions", str(per_worker), "--lang", getattr(args, "lang", DEFAULT_LANGUAGE)]
    if args.scenarios is not None:
        common += ["--scenarios", str(args.scenarios)]
    # -P: the current folder is not put on the workers' module path (a ./dash.py must not shadow Dash)
    commands = [
        [sys.executable, "-P", "-m", "cocreate_sim.app", "--worker", f"{k}/{workers}", *common] for k in range(workers)
    ]

    def announce(bound: int) -> None:
        _ready(_url(host, bound), host, started, workers)

    try:
        asyncio.run(run_front(address, port, commands, announce))  # one address, as Werkzeug's server
    except OSError as err:
        raise _cannot_listen(host, port, err) from None
    except WorkerStartError as err:
        raise UserError(f"serve: the app could not start: {err}") from None
    _set_sigterm(signal.SIG_IGN)  # the workers are stopped; a late SIGTERM must not cut the last line
    print(STOPPED, file=sys.stderr, flush=True)
    return 0
