"""The executors on a toy worker: ordering, time limits, crashes, start failures, threads.
Milliseconds per case, so these run in the fast tier; the same loop serves Ray (test_ray)."""

from __future__ import annotations

import os
import time

import pytest

from scanner import executors
from scanner.executors import ExecutorError, Stopped

from .toy_worker import Job, ToyFactory


def _run(jobs: list[Job], **kw) -> dict[str, object]:
    return {job.name: out for job, out in executors.run(ToyFactory(), jobs, **kw)}


def test_every_item_comes_back_once_with_its_result() -> None:
    jobs = [Job(f"j{i}") for i in range(7)]
    out = _run(jobs, workers=2)
    assert sorted(out) == sorted(j.name for j in jobs)
    assert all(isinstance(v, tuple) and v[0] == k for k, v in out.items())
    assert len({v[1] for v in out.values()}) <= 2  # two worker processes, reused
    assert os.getpid() not in {v[1] for v in out.values()}


def test_biggest_items_start_first() -> None:
    order: list[str] = []
    jobs = [Job("small"), Job("big"), Job("middle")]
    sizes = {"small": 1.0, "big": 100.0, "middle": 10.0}
    _run(jobs, workers=1, started=lambda j: order.append(j.name), size=lambda j: sizes[j.name])
    assert order == ["big", "middle", "small"]


def test_a_crash_costs_only_its_item_and_a_fresh_worker_takes_over() -> None:
    jobs = [Job("a"), Job("boom", "crash"), Job("b"), Job("c")]
    out = _run(jobs, workers=1)
    assert isinstance(out["boom"], Stopped) and out["boom"].code == "worker-crashed"
    assert "SIGKILL" in out["boom"].message
    assert all(isinstance(out[k], tuple) for k in "abc")


def test_a_hanging_item_is_stopped_at_its_limit() -> None:
    jobs = [Job("stuck", "hang"), Job("quick"), Job("also-quick")]
    t0 = time.monotonic()
    out = _run(jobs, workers=1, time_limit=lambda j: 1.0, size=lambda j: j.name == "stuck")
    assert time.monotonic() - t0 < 30
    assert isinstance(out["stuck"], Stopped) and out["stuck"].code == "time-limit"
    assert isinstance(out["quick"], tuple) and isinstance(out["also-quick"], tuple)


def test_the_time_limit_starts_after_the_worker_has_loaded() -> None:
    """Loading takes 1.5 s, the limit is 1 s: the item itself is quick, so it must pass."""
    jobs = [Job("x", "sleep", 0.2)]
    out = dict(executors.run(ToyFactory(load_seconds=1.5), jobs, time_limit=lambda j: 1.0))
    assert isinstance(out[jobs[0]], tuple)


def test_errors_raised_by_the_worker_become_stopped_without_content() -> None:
    out = _run([Job("bad", "raise"), Job("bug", "bug"), Job("fine")], workers=1)
    assert out["bad"] == Stopped("input-error", "bad: refused by the toy")
    assert out["bug"].code == "internal-error"  # type: ignore[union-attr]
    assert "secret" not in out["bug"].message  # type: ignore[union-attr]
    assert isinstance(out["fine"], tuple)


def test_workers_that_cannot_start_stop_the_batch_with_a_clear_error() -> None:
    with pytest.raises(ExecutorError, match="no-such-model"):
        list(executors.run(ToyFactory(fail_start=True), [Job("a"), Job("b")]))


def test_threads_are_shared_between_workers_and_a_small_batch_gets_more() -> None:
    cores = os.cpu_count() or 1
    out = _run([Job("only")], workers=4)
    assert out["only"][2] == cores  # one item: one worker with every core
    out = _run([Job(f"j{i}") for i in range(8)], workers=2)
    assert {v[2] for v in out.values()} == {max(1, cores // 2)}


def test_stopping_early_leaves_no_worker_behind() -> None:
    gen = executors.run(ToyFactory(), [Job(f"j{i}", "sleep", 0.1) for i in range(6)], workers=2)
    first = next(gen)
    pids = {first[1][1]}
    gen.close()
    time.sleep(0.2)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_default_workers_one_per_core_as_memory_allows() -> None:
    from scanner.executors import default_workers

    gb = 2**30
    assert default_workers(2, 24 * gb) == 2
    assert default_workers(16, 8 * gb) == 5  # 1.5 GB each
    assert default_workers(4, None) == 4
    assert default_workers(4, gb) == 1  # never none
