"""One way to run many independent tasks: in this process, on local processes, or on Dask.

Every batch of model runs (``run``/``compare`` replications, the pattern
experiments, sweeps) goes through here, so they share one progress bar, one
Ctrl-C behaviour and one error style. Shaped like EMA Workbench's evaluators:
one interface, several executors, each a context manager.

Interface (stable; other modules rely on it)::

    class Executor:                       # base class; use as a context manager
        workers: int                      # task slots (known after __enter__ for Dask)
        where: str                        # "in this process", "on 2 local workers", "on cluster tcp://..."
        def __enter__(self) -> Executor
        def __exit__(self, *exc) -> None  # shuts workers down
        def map_unordered(self, fn: Callable[[T], R], tasks: Sequence[T], *,
                          progress: bool = False, desc: str = "runs", unit: str = "run",
                          weight: Callable[[R], int] | None = None, initial: int = 0,
                          total: int | None = None,
                          describe: Callable[[int, T], str] | None = None,
                          ) -> Iterator[tuple[int, R]]   # (task index, result) as each finishes

    class SequentialExecutor(Executor)                   # in this process, in order
    class ProcessExecutor(Executor)(workers: int | None = None)   # spawned processes
    class DaskExecutor(Executor)(workers: int | None = None, cluster: str | None = None,
                                 check_code: Callable[[], str] | None = None)

    def make_executor(n_tasks: int, workers: int | None = None, cluster: str | None = None, *,
                      dask: bool = False, in_process_below: int = IN_PROCESS_RUNS,
                      check_code: Callable[[], str] | None = None) -> Executor
    def run_tasks(fn, tasks, *, workers=None, cluster=None, dask=False, progress=True, desc="runs",
                  in_process_below=IN_PROCESS_RUNS) -> Iterator[tuple[int, R]]

    class TaskError(RuntimeError)   # a task raised something other than a UserError
    class WorkerLost(UserError)     # a worker process died (killed, out of memory)

Choosing (:func:`make_executor`): ``cluster`` given -> Dask on that scheduler;
``workers == 1`` or ``n_tasks < in_process_below`` -> this process; otherwise
Dask when ``dask=True`` (sweeps), else local processes. ``n_tasks`` counts
units of work (model runs), not chunks.

``fn`` and the tasks must be picklable (``fn`` a module-level function) for
processes and Dask. Results arrive as tasks finish; sort by index when order
matters. Progress is one tqdm bar on stderr, off unless ``progress=True``;
``weight(result)`` says how many units a result counts (a chunk of runs:
``len``), ``initial``/``total`` place the bar (e.g. runs already stored).

Ctrl-C: worker processes ignore SIGINT from their first instruction (they are
started with SIGINT ignored, which survives exec); only the main process reacts:
it cancels outstanding tasks, stops the workers and raises KeyboardInterrupt
(the command line turns it into exit status 130, no traceback).

Errors: a task raising a :class:`~cocreate_sim.errors.UserError` (including
``ParameterError``) re-raises that same exception in the main process; any
other exception becomes a :class:`TaskError`, one paragraph naming the task
(``describe(index, task)``, default "task N"), chained to the original. A
worker process that dies raises :class:`WorkerLost`. Leaving the ``with``
block early (an exception, ``break``) also cancels and stops everything.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, TypeVar

from .errors import UserError, shorten
from .limits import IN_PROCESS_RUNS, MAX_WORKERS

T = TypeVar("T")
R = TypeVar("R")

CONNECT_SECONDS = 15
"""How long to wait for a separately started Dask scheduler to answer."""
WORKERS_SECONDS = 60
"""How long to wait for a separately started Dask scheduler to have at least one worker."""
CLOSE_SECONDS = 10
"""How long to wait for a Dask client or embedded cluster to shut down before giving up on it."""
KEY_TOKEN_DIGITS = 12
"""Hex digits of the random token that makes one batch's Dask task keys unique."""
SWEEP_EXTRA = "python3 -m pip install -e '.[sweep]'"
"""How to install the optional Dask dependencies."""


class TaskError(RuntimeError):
    """A task raised an exception that is not a user's mistake (a bug): one paragraph naming the task."""


class WorkerLost(UserError):
    """A worker process died (killed by the system, out of memory, crashed); what finished is kept."""


# ---------------------------------------------------------------------------------------------- helpers
def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the main process's business."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while worker processes are started, so they ignore it from their first instruction."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to protect
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def dask_setup(worker: Any) -> None:
    """Dask preload hook in embedded-cluster workers (also restarted ones): leave Ctrl-C to the main process."""
    ignore_sigint()


def progress_bar(enabled: bool, total: int, *, desc: str = "runs", unit: str = "run", initial: int = 0):
    """The one progress bar: tqdm on stderr; prints nothing at all when not enabled."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit=unit,
        disable=not enabled,
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
    )


def _local_workers(n: int) -> str:
    return f"on {n} local worker{'s' if n != 1 else ''}"


def _default_describe(index: int, task: Any) -> str:
    return f"task {index}"


def _reraise(exc: BaseException, label: str, desc: str) -> NoReturn:
    """Raise, in the main process, what a task raised: a user's mistake as it is, anything else as a TaskError."""
    if isinstance(exc, UserError):
        raise exc
    detail = str(exc).strip().replace("\n", " ") or "no message"
    raise TaskError(
        f"{label} of the {desc} failed with {type(exc).__name__}: {detail}. This is a bug in cocreate_sim, "
        "not in your input; please report it with the command you ran."
    ) from exc


# ---------------------------------------------------------------------------------------------- executors
class Executor:
    """Runs independent tasks; a context manager. Subclasses implement :meth:`_results`."""

    workers: int = 1
    where: str = "in this process"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop any workers (safe to call twice)."""

    def map_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        *,
        progress: bool = False,
        desc: str = "runs",
        unit: str = "run",
        weight: Callable[[R], int] | None = None,
        initial: int = 0,
        total: int | None = None,
        describe: Callable[[int, T], str] | None = None,
    ) -> Iterator[tuple[int, R]]:
        """``(index, fn(tasks[index]))`` for every task, as each finishes; see the module docstring."""
        describe = describe or _default_describe
        if total is None:
            total = initial + (len(tasks) if weight is None else 0)
        with progress_bar(progress, total, desc=desc, unit=unit, initial=initial) as bar:
            for index, result in self._results(fn, tasks, desc, describe):
                bar.update(1 if weight is None else weight(result))
                yield index, result

    def _results(
        self, fn: Callable[[T], R], tasks: Sequence[T], desc: str, describe: Callable[[int, T], str]
    ) -> Iterator[tuple[int, R]]:
        raise NotImplementedError


class SequentialExecutor(Executor):
    """Every task in this process, one after another: no start-up cost, the best choice for small batches."""

    def _results(self, fn, tasks, desc, describe):
        for index, task in enumerate(tasks):
            try:
                result = fn(task)
            except Exception as exc:
                _reraise(exc, describe(index, task), desc)
            yield index, result


def _forget_manager(pool: Any) -> None:
    """Join a stopped pool's manager thread and drop it from the interpreter's exit hook.

    On Python 3.11, after workers were terminated the manager thread closes its wake-up pipe, but
    ``concurrent.futures.process._python_exit`` still writes to it at interpreter exit while the thread object
    lives (a traceback held after Ctrl-C or SIGTERM keeps it alive): "Exception ignored ... Bad file descriptor".
    """
    from concurrent.futures import process as futures_process

    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        with contextlib.suppress(Exception):
            manager.join(CLOSE_SECONDS)
        with contextlib.suppress(Exception):
            if not manager.is_alive():
                futures_process._threads_wakeups.pop(manager, None)


ADDRESS = re.compile(r"^(?:tcp://)?(?:\[[0-9a-fA-F:.]+(?:%[A-Za-z0-9_.-]+)?\]|[A-Za-z0-9_.-]+):[0-9]{1,5}$")
"""What a Dask scheduler address looks like: optionally tcp://, a host and a port (tcp://10.0.0.5:8786). Other
protocols (tls, ucx) need configuration this package does not pass, so they are refused up front."""


def check_workers(workers: int) -> None:
    """Refuse a number of worker processes below 1 or above MAX_WORKERS before anything starts."""
    if not 1 <= workers <= MAX_WORKERS:
        raise UserError(
            f"--workers must be from 1 to {MAX_WORKERS:,} worker processes; got {shorten(workers)}. Leave it out "
            "to use every core."
        )


def check_address(address: str) -> None:
    """Refuse a malformed ``--cluster`` address before any folder is made or connection tried."""
    if not ADDRESS.match(str(address)):
        raise UserError(
            f"--cluster {shorten(address)}: not a Dask scheduler address. Give the address 'dask scheduler' "
            "prints, a host and a port such as tcp://10.0.0.5:8786 or localhost:8786 (see docs/sweeps.md)."
        )


def cluster_address(text: str) -> str:
    """An argparse ``type=`` for ``--cluster``: a malformed address is refused before any folder is made."""
    import argparse

    text = str(text).strip()
    try:
        check_address(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(f"--cluster {shorten(text)}: ")) from None
    return text


class ProcessExecutor(Executor):
    """Tasks on ``workers`` spawned local processes (default: every core), which ignore Ctrl-C."""

    def __init__(self, workers: int | None = None):
        if workers is not None:
            check_workers(workers)
        workers = cores() if workers is None else workers
        self.workers = workers
        self.where = _local_workers(workers)
        self._pool: Any = None

    def __enter__(self) -> ProcessExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=ignore_sigint
        )
        return self

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())  # to stop running tasks too
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(CLOSE_SECONDS)
        _forget_manager(pool)

    def _results(self, fn, tasks, desc, describe):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        if self._pool is None:
            raise RuntimeError("use the executor in a 'with' block")
        with sigint_ignored():  # the pool starts its processes at the first submit
            futures = {self._pool.submit(fn, task): index for index, task in enumerate(tasks)}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        raise WorkerLost(
                            f"a worker process stopped while running the {desc} ({len(pending) + len(done)} "
                            f"tasks unfinished, among them {describe(index, tasks[index])}): it was killed, "
                            "probably by the system for lack of memory. Use fewer workers or a smaller model, "
                            "then run the same command again."
                        ) from None
                    except Exception as exc:
                        _reraise(exc, describe(index, tasks[index]), desc)
                    yield index, result
        finally:
            if pending:  # interrupted or failed: nothing more is wanted
                self.close()


class DaskExecutor(Executor):
    """Tasks on Dask distributed: an embedded LocalCluster on loopback, or the scheduler at ``cluster``.

    ``check_code`` (a module-level function returning a hash of the model code)
    is run on every worker of a separate cluster; workers that answer
    differently from this process are refused, so rows of two models never mix.
    """

    def __init__(
        self, workers: int | None = None, cluster: str | None = None, check_code: Callable[[], str] | None = None
    ):
        if cluster and workers is not None:
            raise UserError(
                "--workers applies to the embedded cluster only; with --cluster the cluster's own workers "
                "run the tasks. Give one of the two."
            )
        if workers is not None:
            check_workers(workers)
        if cluster:
            check_address(cluster)
        self._requested = workers
        self.cluster = cluster
        self.check_code = check_code
        self.workers = workers or cores()
        self.where = f"on cluster {cluster}" if cluster else _local_workers(self.workers)
        self._client: Any = None
        self._local: Any = None

    def __enter__(self) -> DaskExecutor:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UserError(f"running on Dask needs the [sweep] extra: {SWEEP_EXTRA}") from None
        if self.cluster:
            self._client = self._connect(self.cluster)
        else:
            self._client, self._local = self._start_local(self.workers)
        try:
            self.workers = sum(self._client.nthreads().values()) or 1  # task slots: processes x threads
        except Exception:
            self.close()
            raise
        if not self.cluster:
            self.where = _local_workers(self.workers)
        return self

    @property
    def client(self) -> Any:
        """The Dask client inside the ``with`` block (for libraries that submit their own tasks, as pyabc does)."""
        if self._client is None:
            raise RuntimeError("use the executor in a 'with' block")
        return self._client

    def _connect(self, address: str) -> Any:
        from distributed import Client

        try:
            client = Client(address, timeout=f"{CONNECT_SECONDS}s")
        except Exception as exc:  # noqa: BLE001 - whatever distributed raises for an address it cannot use
            raise UserError(
                f"could not reach a Dask scheduler at '{address}' within {CONNECT_SECONDS} s ({exc}). Start one "
                "with 'dask scheduler' and at least one 'dask worker <address>' (see docs/sweeps.md), or drop "
                "--cluster to use the embedded local cluster."
            ) from None
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except TimeoutError:
            client.close()
            raise UserError(
                f"the Dask scheduler at '{address}' has no workers after {WORKERS_SECONDS} s; start some with "
                f"'dask worker {address} --nthreads 1'."
            ) from None
        if self.check_code is not None:
            self._check_workers(client, address)
        return client

    def _check_workers(self, client: Any, address: str) -> None:
        """Workers of a separate cluster must run this same model code."""
        from . import __version__

        ours = self.check_code()
        try:
            codes = set(client.run(self.check_code).values())
        except (ModuleNotFoundError, ImportError):
            codes = {"(cocreate_sim not installed)"}
        if codes != {ours}:
            client.close()
            raise UserError(
                f"the workers of the Dask cluster at '{address}' run different model code "
                f"({', '.join(sorted(codes))}) from this checkout ({ours}, cocreate_sim {__version__}). Install "
                "this same checkout in the workers' environment (python3 -m pip install -e .) and restart them."
            )

    @staticmethod
    def _start_local(n: int) -> tuple[Any, Any]:
        from distributed import Client, LocalCluster

        # Workers start with Ctrl-C ignored; the preload keeps it so in workers the nannies restart.
        with sigint_ignored():
            local = LocalCluster(
                preload=["cocreate_sim.executor"],
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                # No dashboard; Dask still serves health and metrics pages: keep them on loopback, free ports.
                dashboard_address="127.0.0.1:0",
                worker_dashboard_address="127.0.0.1:0",
                scheduler_kwargs={"dashboard": False},
                # Workers' own logs are noise to a user: a task's error comes back through its future and a
                # killed worker as WorkerLost, and a worker that loses its scheduler on Ctrl-C logs a traceback.
                silence_logs=logging.CRITICAL,
            )
            try:
                client = Client(local)
            except BaseException:
                local.close()
                raise
        return client, local

    def close(self) -> None:
        client, local, self._client, self._local = self._client, self._local, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=CLOSE_SECONDS)
        if local is not None:
            with contextlib.suppress(Exception):
                local.close(timeout=CLOSE_SECONDS)

    def _results(self, fn, tasks, desc, describe):
        from distributed import KilledWorker, as_completed

        if self._client is None:
            raise RuntimeError("use the executor in a 'with' block")
        token = uuid.uuid4().hex[:KEY_TOKEN_DIGITS]  # unique keys: never pick up another client's results
        futures = [
            self._client.submit(fn, task, pure=False, key=f"cocreate-{token}-{index}")
            for index, task in enumerate(tasks)
        ]
        index_of = {future.key: index for index, future in enumerate(futures)}
        finished = False
        try:
            for future in as_completed(futures):
                index = index_of[future.key]
                try:
                    result = future.result()
                except KilledWorker:
                    raise WorkerLost(
                        f"{describe(index, tasks[index])} of the {desc} ended the Dask worker running it three "
                        "times in a row (out of memory?)."
                    ) from None
                except Exception as exc:
                    _reraise(exc, describe(index, tasks[index]), desc)
                future.release()
                yield index, result
            finished = True
        finally:
            if not finished:  # interrupted or failed: cancel what is left and stop the workers
                with contextlib.suppress(Exception):
                    self._client.cancel(futures)
                self.close()


# ---------------------------------------------------------------------------------------------- choosing
def make_executor(
    n_tasks: int,
    workers: int | None = None,
    cluster: str | None = None,
    *,
    dask: bool = False,
    in_process_below: int = IN_PROCESS_RUNS,
    check_code: Callable[[], str] | None = None,
) -> Executor:
    """The executor for ``n_tasks`` units of work (nothing is started until ``with``).

    ``cluster`` -> :class:`DaskExecutor` on it; ``workers == 1`` or fewer than
    ``in_process_below`` tasks -> :class:`SequentialExecutor`; otherwise Dask
    when ``dask`` else :class:`ProcessExecutor` (at most one process per task).
    """
    if workers is not None:
        check_workers(workers)
    if cluster:
        return DaskExecutor(workers=workers, cluster=cluster, check_code=check_code)
    if workers == 1 or n_tasks < in_process_below or n_tasks <= 1:
        return SequentialExecutor()
    if dask:
        return DaskExecutor(workers=workers, check_code=check_code)
    return ProcessExecutor(min(workers or min(cores(), MAX_WORKERS), n_tasks))


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    workers: int | None = None,
    cluster: str | None = None,
    dask: bool = False,
    progress: bool = True,
    desc: str = "runs",
    in_process_below: int = IN_PROCESS_RUNS,
) -> Iterator[tuple[int, R]]:
    """:func:`make_executor` for ``len(tasks)`` tasks and its ``map_unordered``, started and stopped for you."""
    with make_executor(len(tasks), workers, cluster, dask=dask, in_process_below=in_process_below) as executor:
        yield from executor.map_unordered(fn, tasks, progress=progress, desc=desc)
