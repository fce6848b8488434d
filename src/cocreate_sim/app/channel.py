"""The channel between the app's front and a worker process, and the worker's side of it.

A message is the lengths of a JSON head and of a body (``FRAME``), then both. The front (:mod:`.proxy`) sends
a request's method, target, headers and body; the worker runs it through the app's WSGI interface, one at a
time, and sends back the status, headers and whole body. Kept apart from the front so that the front's
process never imports the app, and the worker's never the front's server.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

log = logging.getLogger("cocreate_sim.app")

FRAME = struct.Struct(">II")
"""A message between front and worker: the lengths of its JSON head and of its body, then both."""
WORKER_READY = "cocreate_sim app worker ready"
"""The line a worker prints once it can take requests."""


def pack(head: dict[str, Any], body: bytes) -> bytes:
    """One message between front and worker."""
    raw = json.dumps(head).encode()
    return FRAME.pack(len(raw), len(body)) + raw + body


def read_message(stream: Any) -> tuple[dict[str, Any], bytes] | None:
    """One message from a blocking binary stream (the worker's side), or None at its end."""
    start = stream.read(FRAME.size)
    if len(start) < FRAME.size:
        return None
    head_len, body_len = FRAME.unpack(start)
    head, body = stream.read(head_len), stream.read(body_len)
    if len(head) < head_len or len(body) < body_len:
        return None
    return json.loads(head), body


async def receive(reader: asyncio.StreamReader) -> tuple[dict[str, Any], bytes]:
    """One message from the front's side of a channel (IncompleteReadError if the worker went away)."""
    head_len, body_len = FRAME.unpack(await reader.readexactly(FRAME.size))
    head = json.loads(await reader.readexactly(head_len))
    return head, await reader.readexactly(body_len)


# ------------------------------------------------------- the worker's side
def wsgi_environ(head: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ of a request the front passed on (PEP 3333: paths as latin-1 text of their bytes)."""
    path, _, query = head["target"].partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": head["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": head.get("host", "localhost"),
        "SERVER_PORT": str(head.get("port", 80)),
        "SERVER_PROTOCOL": head.get("version", "HTTP/1.1"),
        "REMOTE_ADDR": head.get("remote", ""),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    for name, value in head["headers"]:
        if "_" in name:  # as Werkzeug's server: X_Forwarded_For must not pass for X-Forwarded-For
            continue
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if key == "CONTENT_TYPE":
                environ[key] = value
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def call_app(app: Any, head: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes, Callable[[], None]]:
    """Run one request through a WSGI app; its status, headers, whole body, and what to call once it is sent.

    The answer's ``close`` is left to the caller, to be called after the answer went out, as a WSGI server
    does: work the app defers to it (the classroom steps its runs ahead there, ``update._step_ahead``) then
    never delays the answer.
    """
    from werkzeug.test import run_wsgi_app

    close: Callable[[], None] = _nothing
    try:
        app_iter, status, headers = run_wsgi_app(app, wsgi_environ(head, body))
        close = getattr(app_iter, "close", None) or _nothing
        data = b"".join(app_iter)
    except Exception:  # never a traceback to the page; the worker's log has it
        log.exception("the app failed on a request the front passed on")
        _closed(close)
        return (
            {"status": "500 Internal Server Error", "headers": [["Content-Type", "application/json"]]},
            b'{"error": "Something went wrong on the server; the request was not done."}',
            _nothing,
        )
    return {"status": status, "headers": [[k, v] for k, v in headers.items()]}, data, lambda: _closed(close)


def _nothing() -> None:
    return None


def _closed(close: Callable[[], None]) -> None:
    try:
        close()
    except Exception:  # work after the answer must not stop the worker
        log.exception("the app failed after answering a request")


def serve_channel(app: Any, channel: socket.socket) -> None:
    """A worker's life: answer the front's requests one at a time until the front closes the channel."""
    with channel, channel.makefile("rb") as incoming:
        try:
            while (message := read_message(incoming)) is not None:
                head, body, close = call_app(app, *message)
                try:
                    channel.sendall(pack(head, body))
                finally:
                    close()
        except (ConnectionError, OSError):
            return  # the front went away (killed): nobody is left to answer
