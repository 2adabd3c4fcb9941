"""Worker processes that each hold one file at a time, watched by the parent.

Why not a process pool: a pool cannot stop one task, and when a worker dies it cannot say
which task killed it. Here every worker has its own pipe and exactly one file in hand, so a
file that runs past its time limit is stopped by killing its worker, and a worker that dies
(out of memory, a crash in native code) costs only the file it held. Either way the file gets
an exact error, a fresh worker takes its place, and the batch goes on.

Workers are started with "spawn": a clean interpreter that loads the models once, never a
fork of a parent that may be running a progress-bar thread.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .types import FileError, ScanResult

_CTX = mp.get_context("spawn")


def _worker_main(conn: Connection, options: Any, csvs: list[Path], out: Path, audio: bool) -> None:
    """Load the models once, then scan whatever file the parent sends, one at a time."""
    from .pipeline import Scanner, without_original_text

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    scanner = Scanner(options)
    scanner.load_batch_metadata(csvs)
    scanner.warm_up(audio)
    conn.send("ready")  # a file's time limit starts now, not while the models load
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        result = without_original_text(scanner.process(item, out), options.keep_unredacted)
        conn.send((result, scanner.model_description()))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    item: Any = None
    deadline: float | None = None
    limit: float | None = None
    ready: bool = False


def _size(item: Any) -> float:
    """How long a file will take, roughly: its declared duration (a header read)."""
    from .audio import declared_seconds

    return (declared_seconds(item.path) or 0.0) if item.kind == "audio" else 0.0


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        hint = " (the system may have run out of memory)" if sig == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exited with status {exitcode}"


def stopped(item: Any, code: str, message: str) -> tuple[Any, ScanResult, None]:
    """The result of a file whose worker was stopped or died: the code, the file, the why."""
    text = f"{item.path}: {message}; the rest of the batch went on"
    return (
        item,
        ScanResult(item.id, str(item.path), None, FileError(code, text, str(item.path))),
        None,
    )


def run_supervised(
    options: Any,
    csvs: list[Path],
    todo: list[Any],
    out: Path,
    workers: int,
    started: Callable[[Any], None],
    time_limit: Callable[[Any], float | None],
) -> Iterator[tuple[Any, ScanResult, dict[str, object] | None]]:
    """Scan `todo` in `workers` processes; yield (item, result, model description) as each
    finishes. `time_limit(item)` gives that file's limit in seconds (None: no limit)."""
    cores = os.cpu_count() or 1
    workers = max(1, min(workers, len(todo)))
    if not options.transcribe.cpu_threads:  # share the cores between the workers running
        threads = max(1, cores // workers)
        options = replace(options, transcribe=replace(options.transcribe, cpu_threads=threads))
    # biggest files first (popped from the end): the batch then ends with small files
    # spread over all workers rather than one long file holding up the finish
    queue = sorted(todo, key=_size)
    audio = any(item.kind == "audio" for item in todo)
    pool: list[_Worker] = []

    def spawn() -> _Worker:
        parent, child = _CTX.Pipe()
        proc = _CTX.Process(
            target=_worker_main, args=(child, options, csvs, out, audio), name="scanner-worker"
        )
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def give(w: _Worker) -> None:
        item = queue.pop()
        started(item)
        w.item, w.limit = item, time_limit(item)
        w.deadline = time.monotonic() + w.limit if w.limit and w.ready else None
        w.conn.send(item)

    def fail(w: _Worker, code: str, message: str) -> tuple[Any, ScanResult, None]:
        return stopped(w.item, code, message)

    def replace_worker(w: _Worker) -> None:
        if w.process.is_alive():
            w.process.kill()
        w.process.join()
        w.conn.close()
        pool.remove(w)
        if queue:
            fresh = spawn()
            pool.append(fresh)
            give(fresh)

    try:
        for _ in range(min(workers, len(queue))):
            w = spawn()
            pool.append(w)
            give(w)
        while pool:
            deadlines = [w.deadline for w in pool if w.deadline is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout)
            for w in list(pool):
                if w.conn in ready:
                    try:
                        message = w.conn.recv()
                    except (EOFError, OSError):
                        w.process.join(5)
                        yield fail(
                            w,
                            "worker-crashed",
                            f"the worker scanning this file {_death(w.process.exitcode)}",
                        )
                        replace_worker(w)
                        continue
                    if message == "ready":
                        w.ready = True
                        if w.limit:
                            w.deadline = time.monotonic() + w.limit
                        continue
                    result, described = message
                    yield w.item, result, described
                    w.item = w.deadline = None
                    if queue:
                        give(w)
                    else:
                        w.conn.send(None)
                        w.process.join(30)
                        w.conn.close()
                        pool.remove(w)
                elif w.process.sentinel in ready:
                    w.process.join()
                    yield fail(
                        w,
                        "worker-crashed",
                        f"the worker scanning this file {_death(w.process.exitcode)}",
                    )
                    replace_worker(w)
                elif w.deadline is not None and time.monotonic() >= w.deadline:
                    yield fail(
                        w,
                        "time-limit",
                        f"not finished after {w.limit:g} s, the per-file time limit "
                        "(--time-limit); its worker was stopped",
                    )
                    replace_worker(w)
    finally:
        for w in pool:  # an early stop (disk full, Ctrl-C): no worker outlives the batch
            if w.process.is_alive():
                w.process.kill()
            w.process.join()
            w.conn.close()
