"""The one executor: same results whichever way tasks run, one error style, a quiet progress bar."""

from __future__ import annotations

import os

import pytest

from cocreate_sim.errors import UserError
from cocreate_sim.executor import (
    DaskExecutor,
    ProcessExecutor,
    SequentialExecutor,
    TaskError,
    WorkerLost,
    make_executor,
    run_tasks,
)
from cocreate_sim.params import ParameterError

pytestmark = pytest.mark.timeout(120)


def square(x: int) -> int:
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise UserError("three is not allowed")
    return x


def bad_parameter(x: int) -> int:
    raise ParameterError(f"value {x} out of range")


def buggy(x: int) -> int:
    if x == 2:
        raise ZeroDivisionError("division by zero")
    return x


def die(x: int) -> int:
    if x == 1:
        os._exit(9)  # as the out-of-memory killer would end it
    return x


TASKS = list(range(7))


def test_sequential_and_process_executors_give_the_same_results():
    with SequentialExecutor() as seq:
        sequential = dict(seq.map_unordered(square, TASKS))
    with ProcessExecutor(2) as pool:
        parallel = dict(pool.map_unordered(square, TASKS))
    assert sequential == parallel == {i: i * i for i in TASKS}


def test_dask_executor_gives_the_same_results():
    pytest.importorskip("distributed")
    with DaskExecutor(workers=1) as dask:
        assert dask.workers == 1
        results = dict(dask.map_unordered(square, TASKS[:3]))
    assert results == {0: 0, 1: 1, 2: 4}


@pytest.mark.parametrize("executor", [SequentialExecutor, lambda: ProcessExecutor(2)])
def test_a_user_error_in_a_task_surfaces_as_itself(executor):
    with pytest.raises(UserError, match="three is not allowed"), executor() as ex:
        list(ex.map_unordered(fail_on_three, TASKS))
    with pytest.raises(ParameterError, match="out of range"), executor() as ex:
        list(ex.map_unordered(bad_parameter, [5]))


@pytest.mark.parametrize("executor", [SequentialExecutor, lambda: ProcessExecutor(2)])
def test_another_error_names_the_task_in_one_paragraph(executor):
    with pytest.raises(TaskError) as info, executor() as ex:
        list(ex.map_unordered(buggy, TASKS, desc="replications", describe=lambda i, t: f"replication {t}"))
    message = str(info.value)
    assert "replication 2 of the replications failed with ZeroDivisionError" in message and "\n" not in message
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_a_dying_worker_process_is_reported_clearly():
    with pytest.raises(WorkerLost, match="worker process stopped"), ProcessExecutor(2) as pool:
        list(pool.map_unordered(die, TASKS))


def test_progress_off_prints_nothing_and_on_prints_to_stderr(capfd):
    assert sorted(run_tasks(square, TASKS, workers=1, progress=False)) == [(i, i * i) for i in TASKS]
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    list(run_tasks(square, TASKS, workers=1, progress=True, desc="squares"))
    out, err = capfd.readouterr()
    assert out == "" and "squares" in err


def test_weights_count_units_on_the_bar(monkeypatch, capfd):
    import cocreate_sim.executor as executor_module

    bars = []
    real = executor_module.progress_bar

    def recording(*args, **kwargs):
        bars.append(real(*args, **kwargs))
        return bars[-1]

    monkeypatch.setattr(executor_module, "progress_bar", recording)
    with SequentialExecutor() as ex:
        results = list(ex.map_unordered(list, [[1, 2], [3]], progress=True, weight=len, initial=4, total=7))
    assert results == [(0, [1, 2]), (1, [3])]
    assert bars[0].n == 7 and bars[0].total == 7


def test_make_executor_chooses_by_size_workers_and_cluster():
    assert isinstance(make_executor(199), SequentialExecutor)
    assert isinstance(make_executor(5000, workers=1), SequentialExecutor)
    assert isinstance(make_executor(1), SequentialExecutor)
    assert isinstance(make_executor(200, workers=2), ProcessExecutor)
    assert isinstance(make_executor(20, workers=2, in_process_below=10), ProcessExecutor)
    assert isinstance(make_executor(20, workers=2, in_process_below=21), SequentialExecutor)
    assert make_executor(3, workers=8, in_process_below=0).workers == 3  # never more processes than tasks
    assert isinstance(make_executor(200, workers=2, dask=True), DaskExecutor)
    assert isinstance(make_executor(3, cluster="tcp://127.0.0.1:1"), DaskExecutor)
    with pytest.raises(UserError, match="from 1 to"):
        make_executor(10, workers=0)
    with pytest.raises(UserError, match="from 1 to"):
        make_executor(10, workers=100_000)
    with pytest.raises(UserError, match="one of the two"):
        make_executor(10, workers=2, cluster="tcp://127.0.0.1:1")
