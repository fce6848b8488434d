"""Serve the classroom app from several processes: an HTTP front, and workers that run the app's code (:mod:`.channel`).

Why: one Python process serves about one core's worth of pages (the model steps, Dash's callback machinery
and the HTTP handling share one interpreter lock), and a class of 60 pages playing at normal speed needs more
than that (docs/reliability.md, item 10). The front is the only HTTP server: it reads each request, hands it
to a worker process over a socket pair, and writes the worker's answer back. A worker (``serve --worker
K/N``) is the ordinary Dash app without a server of its own: it runs one request at a time through the app's
WSGI interface, so it spends its time on the pages, not on threads and sockets, and no two of its requests
compete for its interpreter lock.

Sessions stay where they were made. A worker issues only ids that name it (:func:`worker_of`), so the front
sends every callback that carries a session id to the worker holding that session, by reading the id from
the request, with no cookie or table to keep. Requests without a session (the page, its scripts, the
callbacks that only fill in controls) go to the workers in turn, which also spreads new pages evenly.

The front speaks just enough HTTP/1.1 for a browser and a Dash app: one request per connection (as
Werkzeug's server, which closes every connection), bodies with a Content-Length of at most
``MAX_REQUEST_BYTES`` (HTTP 413 above, 411 for chunked bodies), headers of at most ``MAX_HEAD_BYTES``
(HTTP 431). A worker that dies is started again; the pages it held are told to reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import json
import logging
import re
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from ..limits import CLIENT_TIMEOUT_S, MAX_CONNECTIONS, MAX_HEAD_BYTES, MAX_REQUEST_BYTES, SEND_TIMEOUT_S
from .channel import WORKER_READY, pack, receive

log = logging.getLogger("cocreate_sim.app")

WORKER_TIMEOUT_S = 120.0
"""Longest wait for a worker's answer (a callback that restarts a side-by-side run takes well under a second);
a worker that takes longer is stopped and started again."""
WORKER_START_TIMEOUT_S = 180.0
"""Longest wait for a worker to say it is ready (it imports Dash and the model: seconds on a loaded machine)."""
WORKER_STOP_TIMEOUT_S = 10.0
"""Longest wait for a worker to stop after SIGTERM before it is killed."""
UPDATE_PATH = "/_dash-update-component"
"""Where Dash sends every callback; the only requests that may carry a session id."""
SESSION_STATE = re.compile(rb'"id"\s*:\s*"session"\s*,\s*"property"\s*:\s*"data"\s*,\s*"value"\s*:\s*"([0-9a-f]{32})"')
"""The page's session id as Dash's renderer writes a callback's State (JSON.stringify: no spaces)."""
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "upgrade", "transfer-encoding"}
"""Headers that belong to one connection and are not passed on (lower case)."""
DIGITS = re.compile(r"[0-9]{1,12}")
"""A Content-Length the front accepts (ASCII digits only: ``str.isdigit`` also takes "²")."""
NO_BODY = (204, 304)
"""Statuses whose answers carry no body and no Content-Length (RFC 9110, 8.6)."""
LAYOUT_PATH = "/_dash-layout"
"""Where a page gets its session id: these requests, in turn, decide which worker each new page lives on."""
REASONS = {
    400: "Bad Request",
    411: "Length Required",
    417: "Expectation Failed",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
"""Reason phrases of the answers the front gives itself."""


def worker_of(session_id: str, workers: int) -> int:
    """The worker that issued ``session_id`` (32 hex characters): the id read as a number, modulo ``workers``."""
    return int(session_id, 16) % workers


def session_in(body: bytes) -> str | None:
    """The session id a Dash callback's body carries, or None (callbacks that need no session send none)."""
    match = SESSION_STATE.search(body)
    return match.group(1).decode("ascii") if match else None


class BadRequest(Exception):
    """A request the front answers itself, with an HTTP status and one plain sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Request:
    """A request as the front read it from the client."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    remote: str = ""
    version: str = "HTTP/1.1"


def parse_head(raw: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    """Method, target and headers of a request head (without its final blank line); BadRequest if malformed.

    An absolute target (``http://host/path``) is read as its path and query, as Werkzeug's server does.
    """
    lines = raw.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1.") or not parts[0].isalpha():
        raise BadRequest(400, "The request line was malformed; it was refused.")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400, "A request header was malformed; it was refused.")
        headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
    target = parts[1].decode("latin-1")
    if not target.startswith("/"):
        absolute = urlsplit(target)
        if not absolute.scheme or not absolute.netloc:
            raise BadRequest(400, "The request's target was malformed; it was refused.")
        target = (absolute.path or "/") + (f"?{absolute.query}" if absolute.query else "")
    return parts[0].decode("ascii"), target, headers


def body_length(headers: list[tuple[str, str]]) -> int:
    """The body's length from Content-Length; BadRequest if chunked, malformed or too large."""
    if any(k.lower() == "transfer-encoding" for k, _ in headers):
        raise BadRequest(411, "Requests must give their length (Content-Length); chunked bodies are refused.")
    lengths = {v for k, v in headers if k.lower() == "content-length"}
    if not lengths:
        return 0
    if len(lengths) > 1 or not DIGITS.fullmatch(next(iter(lengths))):
        raise BadRequest(400, "The request's Content-Length was malformed; it was refused.")
    length = int(next(iter(lengths)))
    if length > MAX_REQUEST_BYTES:
        raise BadRequest(413, f"The request is larger than {MAX_REQUEST_BYTES} bytes; it was refused.")
    return length


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request:
    """Read one request (head and body) within CLIENT_TIMEOUT_S; BadRequest for what the front refuses.

    A client that sends ``Expect: 100-continue`` is told to go on before its body is read.
    """
    async with asyncio.timeout(CLIENT_TIMEOUT_S):
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise BadRequest(431, f"The request's headers are longer than {MAX_HEAD_BYTES} bytes.") from None
        method, target, headers = parse_head(raw[:-4])
        length = body_length(headers)
        expect = [v.lower() for k, v in headers if k.lower() == "expect"]
        if expect and expect != ["100-continue"]:
            raise BadRequest(417, "The request expected something this server does not do; it was refused.")
        if expect and length:
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
        body = await reader.readexactly(length) if length else b""
    version = raw.split(b"\r\n", 1)[0].rsplit(b" ", 1)[1].decode("ascii", "replace")
    return Request(method, target, headers, body, version=version)


def plain_answer(status: int, message: str) -> bytes:
    """An HTTP answer the front gives itself: JSON ``{"error": message}``, as the app's own refusals."""
    body = json.dumps({"error": message}).encode()
    return http_answer(f"{status} {REASONS.get(status, 'Error')}", [("Content-Type", "application/json")], body)


def http_answer(status: str, headers: list[tuple[str, str]], body: bytes, *, head: bool = False) -> bytes:
    """An HTTP/1.1 answer that closes the connection, with the body's length (the app's own for a HEAD request).

    Answers that may carry no body (204, 304) get no Content-Length; every answer gets a Date.
    """
    code = int(status.split(" ", 1)[0]) if status[:3].isdigit() else 500
    own_length = [v for k, v in headers if k.lower() == "content-length"]
    kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() not in ("content-length", "date")]
    if code not in NO_BODY:
        kept.append(("Content-Length", own_length[0] if head and own_length else str(len(body))))
    kept += [("Date", formatdate(usegmt=True)), ("Connection", "close")]
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept) + "\r\n"
    return head.encode("latin-1") + body


# ------------------------------------------------------- the front
@dataclass
class Worker:
    """One worker process and the front's end of its channel."""

    index: int
    process: asyncio.subprocess.Process
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One request at a time on the channel; the others wait their turn, first come first served."""
    broken: bool = False


class Front:
    """The listening front: reads a request, picks its worker, writes the worker's answer back."""

    def __init__(self, workers: list[Worker | None], host: str, port: int, max_connections: int) -> None:
        self.workers = workers
        """The workers by index (replaced in place when a worker is started again)."""
        self.host, self.port = host, port
        self.connections = 0
        """Connections open now; beyond ``max_connections`` a new one is told to try again (HTTP 503)."""
        self.max_connections = max_connections
        self._pages = itertools.count()
        self._others = itertools.count()

    def pick(self, request: Request) -> int:
        """The worker for this request: the session's own, or the next ready one in turn.

        Page loads (``/_dash-layout``, where a page's session id is issued) take turns of their own, so new
        pages are shared out evenly whatever else a browser asks for.
        """
        path = request.target.split("?", 1)[0]
        if request.method == "POST" and path == UPDATE_PATH:
            session = session_in(request.body)
            if session is not None:
                return worker_of(session, len(self.workers))
        turn = self._pages if path == LAYOUT_PATH else self._others
        first = next(turn)
        for k in range(len(self.workers)):
            index = (first + k) % len(self.workers)
            worker = self.workers[index]
            if worker is not None and not worker.broken:
                return index
        return first % len(self.workers)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection: one request and its answer, then the connection is closed.

        Nothing a client sends may end in a traceback: what the front refuses gets one plain sentence, a
        client that goes away or stalls is dropped, and connections still open when the front stops are
        closed quietly.
        """
        self.connections += 1
        try:
            if self.connections > self.max_connections:
                writer.write(plain_answer(503, "The server has too many open connections; try again in a moment."))
                return
            try:
                request = await read_request(reader, writer)
            except BadRequest as err:
                writer.write(plain_answer(err.status, str(err)))
                return
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                return  # the client went away or stalled: nothing to answer
            peer = writer.get_extra_info("peername")
            request.remote = str(peer[0]) if isinstance(peer, tuple) else ""
            writer.write(await self.answer(request))
        except asyncio.CancelledError:
            return  # the front is stopping
        except Exception as err:  # a defect of the front: one line in its log, never a traceback per client
            log.warning("the front dropped a request: %s: %s", type(err).__name__, err)
            writer.write(plain_answer(400, "The request could not be handled; it was refused."))
        finally:
            self.connections -= 1
            await _close(writer)

    async def answer(self, request: Request) -> bytes:
        """The worker's answer to ``request`` as HTTP, or the front's own if the worker cannot give one."""
        worker = self.workers[self.pick(request)]
        if worker is None or worker.broken:
            return plain_answer(502, "The app's worker process is restarting; reload the page in a moment.")
        head = {
            "method": request.method,
            "target": request.target,
            "headers": request.headers,
            "remote": request.remote,
            "host": self.host,
            "port": self.port,
        }
        try:
            async with asyncio.timeout(WORKER_TIMEOUT_S):  # the wait for its turn included
                async with worker.lock:
                    if worker.broken:
                        return plain_answer(502, "The app's worker process is restarting; reload the page in a moment.")
                    try:
                        worker.writer.write(pack(head, request.body))
                        await worker.writer.drain()
                        answer, body = await receive(worker.reader)
                    except BaseException:
                        _retire(worker)  # its answer may still come: the channel is out of step
                        raise
        except TimeoutError:
            return plain_answer(504, "The app's worker process did not answer in time; reload the page.")
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return plain_answer(502, "The app's worker process stopped; reload the page in a moment.")
        headers = [(k, v) for k, v in answer["headers"]]
        return http_answer(answer["status"], headers, body, head=request.method == "HEAD")


def _retire(worker: Worker) -> None:
    """Take a worker whose channel is out of step out of service: killed, so that it is started again."""
    worker.broken = True
    with contextlib.suppress(ProcessLookupError):
        worker.process.kill()


async def _close(writer: asyncio.StreamWriter) -> None:
    """Send what is left (within SEND_TIMEOUT_S: a client that does not read is dropped) and close."""
    try:
        async with asyncio.timeout(SEND_TIMEOUT_S):
            await writer.drain()
    except (TimeoutError, ConnectionError, OSError, asyncio.CancelledError):
        writer.transport.abort()
        return
    writer.close()
    with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
        await writer.wait_closed()


class WorkerStartError(Exception):
    """A worker did not say it was ready (it printed an error, or stopped, or took too long)."""


async def start_worker(index: int, command: list[str]) -> Worker:
    """Start worker ``index`` with a channel to it, and wait until it is ready; WorkerStartError if it is not.

    The worker gets its end of a socket pair as file descriptor ``--channel FD``. It runs in its own session,
    so a Ctrl+C in the terminal reaches only this front, which then stops the workers in order; a worker also
    stops when its channel closes, so none outlives a front that was killed. A worker that does not start,
    or whose start is cancelled, is stopped.
    """
    ours, theirs = socket.socketpair()
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            "--channel",
            str(theirs.fileno()),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
        )
    finally:
        theirs.close()
    assert process.stdout is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(WORKER_START_TIMEOUT_S):
            while line := (await process.stdout.readline()).decode(errors="replace"):
                if line.strip() == WORKER_READY:
                    reader, writer = await asyncio.open_connection(sock=ours)
                    asyncio.get_running_loop().create_task(_drain(process.stdout))
                    return Worker(index, process, reader, writer)
                seen.append(line.strip())
    except TimeoutError:
        seen.append(f"(not ready within {WORKER_START_TIMEOUT_S:.0f} s)")
    except BaseException:
        ours.close()
        await asyncio.shield(stop_worker(process))
        raise
    ours.close()
    await stop_worker(process)
    shown = " ".join(s for s in seen if s)[-300:]
    raise WorkerStartError(
        f"worker {index} did not start" + (f": {shown}" if shown else " (its error, if any, is printed above).")
    )


async def _drain(stream: asyncio.StreamReader) -> None:
    """Read and drop what a worker prints after it is ready (so its pipe never fills)."""
    while await stream.read(65536):
        pass


async def stop_worker(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then kill if it has not stopped within WORKER_STOP_TIMEOUT_S."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        async with asyncio.timeout(WORKER_STOP_TIMEOUT_S):
            await process.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


class _OutOfFiles:
    """Says in one line, at most once a minute, that connections wait because the process has no file left.

    asyncio reports each failed accept with a traceback, and retries at once; a burst of connections past
    the limit on open files would fill the log. Anything else goes to asyncio's own handler.
    """

    QUIET_S = 60.0

    def __init__(self) -> None:
        self.last = float("-inf")

    def handle(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        err = context.get("exception")
        if isinstance(err, OSError) and err.errno in (errno.EMFILE, errno.ENFILE):
            if loop.time() - self.last >= self.QUIET_S:
                self.last = loop.time()
                print(
                    "warning: the app's front has no file left for new connections (ulimit -n); they wait",
                    file=sys.stderr,
                    flush=True,
                )
            return
        loop.default_exception_handler(context)


def connection_cap() -> int:
    """Most connections the front keeps open: MAX_CONNECTIONS, fewer if this process may open fewer files.

    Past the limit on open files, accepting fails again and again (one traceback each, on Python 3.11);
    below it, an extra connection gets a plain HTTP 503.
    """
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # pragma: no cover - not on Linux
        return MAX_CONNECTIONS
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, soft // 2 - 32))


async def run_front(host: str, port: int, commands: list[list[str]], announce: Callable[[int], None]) -> None:
    """Listen on ``host:port``, start a worker per command, serve until SIGTERM or Ctrl+C, stop the workers.

    ``announce(port)`` is called once every worker is ready. The listening socket is opened first, so a port
    in use is reported (OSError) before any worker starts; a worker that does not start raises
    WorkerStartError once the others are stopped.
    """
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_OutOfFiles().handle)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    slots: list[Worker | None] = [None] * len(commands)
    workers: list[Worker] = []
    server = None
    try:
        front = Front(slots, host, port, connection_cap())
        server = await asyncio.start_server(front.handle, host, port, limit=MAX_HEAD_BYTES)
        front.port = server.sockets[0].getsockname()[1]
        workers = await _start_all(commands, stop)
        if stop.is_set():
            return
        for worker in workers:
            slots[worker.index] = worker
        announce(front.port)
        watch = asyncio.create_task(_keep_workers(slots, commands, stop))
        await stop.wait()
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
    finally:
        if server is not None:
            server.close()
        running = [w for w in slots if w is not None] or workers
        await asyncio.gather(*(stop_worker(w.process) for w in running))
        for worker in running:
            worker.writer.close()
        for signum in (signal.SIGTERM, signal.SIGINT):  # only now: a second signal must not cut the clean-up
            loop.remove_signal_handler(signum)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # removing the handler set the default (stop at once)


async def _start_all(commands: list[list[str]], stop: asyncio.Event) -> list[Worker]:
    """Start every worker at once; the ones started, or none if a stop came first (WorkerStartError if one failed)."""
    starting = [asyncio.create_task(start_worker(i, c)) for i, c in enumerate(commands)]
    stopped = asyncio.create_task(stop.wait())
    pending: set[asyncio.Task] = set(starting)
    failed = False
    while pending and not stop.is_set() and not failed:
        done, pending = await asyncio.wait(pending | {stopped}, return_when=asyncio.FIRST_COMPLETED)
        pending.discard(stopped)
        failed = any(t is not stopped and t.exception() is not None for t in done)
    stopped.cancel()
    for task in pending:
        task.cancel()
    results = await asyncio.gather(*starting, return_exceptions=True)
    workers = [r for r in results if isinstance(r, Worker)]
    errors = [r for r in results if isinstance(r, Exception)]  # a cancelled start is not an error
    if errors or stop.is_set():
        await asyncio.gather(*(stop_worker(w.process) for w in workers))
        if errors and not stop.is_set():
            raise errors[0]
        return []
    return workers


async def _keep_workers(slots: list[Worker | None], commands: list[list[str]], stop: asyncio.Event) -> None:
    """Start again any worker that stops while the front serves (its pages are told to reload)."""
    while not stop.is_set():
        waits = {asyncio.create_task(w.process.wait()): w for w in slots if w is not None}
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            worker = waits[task]
            worker.broken = True
            worker.writer.close()
            print(
                f"warning: the app's worker {worker.index} stopped (status {worker.process.returncode}); starting "
                "another. Pages it served must be reloaded.",
                file=sys.stderr,
                flush=True,
            )
            try:
                slots[worker.index] = await start_worker(worker.index, commands[worker.index])
            except WorkerStartError as err:
                print(f"warning: {err}; trying again in 5 s.", file=sys.stderr, flush=True)
                await asyncio.sleep(5)
