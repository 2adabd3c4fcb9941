"""Executors: run a worker on every item of a batch, in watched processes or on Ray actors.

An executor knows nothing of scanning. It is given a picklable worker factory (called once in
each worker process or actor, where it loads whatever it needs) and the items; each worker
holds one item at a time, so an item that runs past its time limit is stopped by killing its
worker, and a worker that dies (out of memory, a crash in native code) costs only the item it
held. Either way the item gets a `Stopped` with an exact code, a fresh worker takes over, and
the rest goes on. Local processes and Ray actors share one supervision loop, so ordering
(biggest first), the thread split and error mapping are the same on both.

Why not a process pool: a pool can neither stop one task nor say which task killed a worker.
Local workers are started with "spawn": a clean interpreter, never a fork of a parent that
may be running a progress-bar thread.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, Protocol, TypeVar

from .errors import ScannerError

Item = TypeVar("Item")
_CTX = mp.get_context("spawn")
# a worker that dies before it is ready this many times in a row means workers cannot start
_START_FAILURES = 3


class ExecutorError(ScannerError):
    """Workers could not be started at all (a model missing in the worker, no Ray)."""

    code = "executor"


class Worker(Protocol):
    def run(self, item: Any) -> Any: ...


WorkerFactory = Callable[[int], Worker]  # called with the CPU threads the worker may use


@dataclass(frozen=True)
class Stopped:
    """An item that produced no result: `time-limit`, `worker-crashed`, or the code of an
    error the worker raised. The message says why and never quotes the item's content."""

    code: str
    message: str


# a worker's peak (bench/bench_memory.py: a 4-hour stereo call, 1483 MB)
WORKER_MEMORY = 1.5 * 2**30


def default_workers(cores: int | None = None, memory: int | None = None) -> int:
    """One worker per core, as many as `memory` (bytes; None: not limited) holds at 1.5 GB
    each. CTranslate2 gains little from a second thread on a batch, and voice activity, pitch
    tracking, redaction and rules use one: on 2 cores, 2 workers x 1 thread scanned 12 calls
    in 37.6 s, 1 x 2 threads in 56.9 s (bench/bench_pipeline.py --set dev --workers 1,2)."""
    cores = cores or os.cpu_count() or 1
    by_memory = int(memory // WORKER_MEMORY) if memory else cores
    return max(1, min(cores, by_memory))


def run(
    factory: WorkerFactory,
    items: list[Item],
    *,
    workers: int = 0,
    started: Callable[[Item], None] = lambda item: None,
    time_limit: Callable[[Item], float | None] = lambda item: None,
    size: Callable[[Item], float] = lambda item: 0.0,
    executor: str = "local",
    address: str | None = None,
) -> Iterator[tuple[Item, Any]]:
    """Yield (item, result or Stopped) as each item finishes, biggest (by `size`) first.
    `workers` 0 means one per core (of this machine, as its memory allows, or of the Ray
    cluster); a batch smaller than that gets fewer workers with more threads each.
    `started(item)` is called when a worker (with its models loaded) takes the item up;
    `time_limit(item)` is its limit in seconds (None: none), counted from then."""
    if not items:
        return (x for x in ())
    backend: _Backend = (
        _RayBackend(factory, address) if executor == "ray" else _LocalBackend(factory)
    )
    return _Supervisor(backend, items, workers, started, time_limit, size).results()


def safe_run(worker: Worker, item: Any) -> Any:
    """Run one item; an exception becomes a Stopped rather than killing the worker."""
    try:
        return worker.run(item)
    except ScannerError as exc:
        return Stopped(exc.code, str(exc))
    except Exception as exc:
        return Stopped("internal-error", f"unexpected {type(exc).__name__} in the worker")


# ---- the supervision loop -------------------------------------------------------------------


class _Backend(Protocol):
    def cores(self) -> int: ...
    def spawn(self, threads: int) -> Any: ...
    def send(self, handle: Any, item: Any) -> None: ...
    def wait(self, handles: list[Any], timeout: float | None) -> list[tuple[Any, str, Any]]: ...
    def stop(self, handle: Any) -> None: ...
    def kill(self, handle: Any) -> None: ...


@dataclass
class _Slot(Generic[Item]):
    handle: Any
    item: Item | None = None
    limit: float | None = None
    deadline: float | None = None
    ready: bool = False


class _Supervisor(Generic[Item]):
    def __init__(
        self,
        backend: _Backend,
        items: list[Item],
        workers: int,
        started: Callable[[Item], None],
        time_limit: Callable[[Item], float | None],
        size: Callable[[Item], float],
    ) -> None:
        self.backend = backend
        self.queue = sorted(items, key=size)  # popped from the end: biggest first, so the
        # batch ends with small files spread over all workers, not one long file holding on
        cores = backend.cores()
        memory = backend.memory() if isinstance(backend, _LocalBackend) else None
        self.slots = max(1, min(workers or default_workers(cores, memory), len(items)))
        self.threads = max(1, cores // self.slots)
        self.started = started
        self.time_limit = time_limit
        self.pool: list[_Slot[Item]] = []
        self.start_failures = 0

    def results(self) -> Iterator[tuple[Item, Any]]:
        try:
            for _ in range(min(self.slots, len(self.queue))):
                self._spawn()
            while self.pool:
                deadlines = [s.deadline for s in self.pool if s.deadline is not None]
                timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
                for handle, kind, payload in self.backend.wait(
                    [s.handle for s in self.pool], timeout
                ):
                    slot = next((s for s in self.pool if s.handle is handle), None)
                    if slot is not None:
                        yield from self._event(slot, kind, payload)
                now = time.monotonic()
                for slot in list(self.pool):
                    if slot.deadline is not None and now >= slot.deadline:
                        item = slot.item
                        self._replace(slot)
                        yield (
                            item,
                            Stopped(  # type: ignore[misc]
                                "time-limit",
                                f"not finished after {slot.limit:g} s, the per-file time limit "
                                "(--time-limit); its worker was stopped",
                            ),
                        )
        finally:  # an early stop (disk full, Ctrl-C): no worker outlives the batch
            for slot in self.pool:
                self.backend.kill(slot.handle)
            self.pool.clear()

    def _event(self, slot: _Slot[Item], kind: str, payload: Any) -> Iterator[tuple[Item, Any]]:
        if kind == "ready":
            slot.ready = True
            self.start_failures = 0
            if slot.item is not None:
                self.started(slot.item)
            if slot.limit:
                slot.deadline = time.monotonic() + slot.limit
        elif kind == "start-failed":
            raise ExecutorError(f"the scanner's workers could not start: {payload}")
        elif kind == "result":
            item, slot.item, slot.deadline = slot.item, None, None
            yield item, payload  # type: ignore[misc]
            if self.queue:
                self._give(slot)
            else:
                self.backend.stop(slot.handle)
                self.pool.remove(slot)
        elif kind == "died":
            if not slot.ready:  # not the item's doing: it was never started
                self.start_failures += 1
                if slot.item is not None:
                    self.queue.append(slot.item)
                    slot.item = None
                if self.start_failures >= _START_FAILURES:
                    raise ExecutorError(f"the scanner's workers could not start ({payload})")
                self._replace(slot)
                return
            item = slot.item
            self._replace(slot)
            if item is not None:
                yield item, Stopped("worker-crashed", f"the worker scanning this file {payload}")

    def _spawn(self) -> None:
        slot: _Slot[Item] = _Slot(self.backend.spawn(self.threads))
        self.pool.append(slot)
        self._give(slot)

    def _give(self, slot: _Slot[Item]) -> None:
        """Hand the next item over; it counts as started once its worker is ready."""
        item = self.queue.pop()
        if slot.ready:
            self.started(item)
        slot.item, slot.limit = item, self.time_limit(item)
        slot.deadline = time.monotonic() + slot.limit if slot.limit and slot.ready else None
        self.backend.send(slot.handle, item)

    def _replace(self, slot: _Slot[Item]) -> None:
        self.backend.kill(slot.handle)
        self.pool.remove(slot)
        if self.queue:
            self._spawn()


# ---- local processes ------------------------------------------------------------------------


def _local_main(conn: Connection, factory: WorkerFactory, threads: int) -> None:
    """A worker process: build the worker once, then run whatever item the parent sends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        worker = factory(threads)
    except ScannerError as exc:
        conn.send(("start-failed", str(exc)))
        return
    conn.send(("ready", None))  # an item's time limit starts now, not while models load
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        conn.send(("result", safe_run(worker, item)))


@dataclass(eq=False)
class _Proc:
    process: Any
    conn: Connection


class _LocalBackend:
    def __init__(self, factory: WorkerFactory) -> None:
        self.factory = factory

    def cores(self) -> int:
        return os.cpu_count() or 1

    def memory(self) -> int | None:
        """This machine's physical memory in bytes (None where the system does not say)."""
        try:
            return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError):
            return None

    def spawn(self, threads: int) -> _Proc:
        parent, child = _CTX.Pipe()
        proc = _CTX.Process(
            target=_local_main, args=(child, self.factory, threads), name="scanner-worker"
        )
        proc.start()
        child.close()
        return _Proc(proc, parent)

    def send(self, handle: _Proc, item: Any) -> None:
        handle.conn.send(item)

    def wait(self, handles: list[_Proc], timeout: float | None) -> list[tuple[Any, str, Any]]:
        ready = wait([h.conn for h in handles] + [h.process.sentinel for h in handles], timeout)
        events = []
        for h in handles:
            if h.conn in ready:
                try:
                    kind, payload = h.conn.recv()
                except (EOFError, OSError):
                    h.process.join(5)
                    events.append((h, "died", _death(h.process.exitcode)))
                    continue
                events.append((h, kind, payload))
            elif h.process.sentinel in ready:
                h.process.join()
                events.append((h, "died", _death(h.process.exitcode)))
        return events

    def stop(self, handle: _Proc) -> None:
        with contextlib.suppress(OSError):  # a worker that just died needs no goodbye
            handle.conn.send(None)
        handle.process.join(30)
        self.kill(handle)

    def kill(self, handle: _Proc) -> None:
        if handle.process.is_alive():
            handle.process.kill()
        handle.process.join()
        handle.conn.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        hint = " (the system may have run out of memory)" if sig == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with status {exitcode}"


# ---- Ray actors -----------------------------------------------------------------------------


class RayUnavailableError(ExecutorError):
    code = "ray-unavailable"


class _RayWorker:
    """Runs inside a Ray worker process: the worker is built once, then items one at a time."""

    def __init__(self, factory: WorkerFactory, threads: int) -> None:
        self.worker = factory(threads)

    def ready(self) -> bool:
        return True

    def run(self, item: Any) -> Any:
        return safe_run(self.worker, item)


def connect(address: str | None) -> Any:
    """Join the cluster at `address` ("auto": the one this machine belongs to), or start a
    private local instance for this run when no address is given."""
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailableError(
            "--executor ray needs Ray: pip install 'interaction-scanner[ray]'"
        ) from exc
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine
    if ray.is_initialized():
        return ray
    kwargs: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": "ERROR",
    }
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(object_store_memory=256 * 1024 * 1024, **kwargs)
    except Exception as exc:  # ray raises ConnectionError, RuntimeError, ValueError...
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise RayUnavailableError(f"could not start or join {where}: {exc}") from exc
    return ray


class _RayBackend:
    """Actors stand in for processes; an actor's `ready` call tells when its models are in."""

    def __init__(self, factory: WorkerFactory, address: str | None) -> None:
        self.ray = connect(address)
        self.factory = factory
        self.refs: dict[Any, tuple[Any, str]] = {}  # object ref -> (actor, "ready"|"result")

    def cores(self) -> int:
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def spawn(self, threads: int) -> Any:
        cls = self.ray.remote(num_cpus=threads, max_restarts=0)(_RayWorker)
        actor = cls.remote(self.factory, threads)
        self.refs[actor.ready.remote()] = (actor, "ready")
        return actor

    def send(self, handle: Any, item: Any) -> None:
        self.refs[handle.run.remote(item)] = (handle, "result")

    def wait(self, handles: list[Any], timeout: float | None) -> list[tuple[Any, str, Any]]:
        from ray.exceptions import RayActorError, RayTaskError

        live = [r for r, (a, _) in self.refs.items() if any(a is h for h in handles)]
        if not live:
            return []
        done, _ = self.ray.wait(live, num_returns=1, timeout=timeout)
        events = []
        for ref in done:
            actor, kind = self.refs.pop(ref)
            try:
                value = self.ray.get(ref)
            except (RayActorError, RayTaskError) as exc:
                events.append((actor, "died", f"(its Ray actor died: {type(exc).__name__})"))
                continue
            events.append((actor, kind, None if kind == "ready" else value))
        return events

    def stop(self, handle: Any) -> None:
        self.kill(handle)

    def kill(self, handle: Any) -> None:
        self.refs = {r: v for r, v in self.refs.items() if v[0] is not handle}
        self.ray.kill(handle, no_restart=True)
