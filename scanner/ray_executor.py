"""`--executor ray`: the same batch on a Ray cluster (or a local Ray instance).

One actor per worker slot, each loading the models once and holding one file at a time, like
the local workers (workers.py): a file past its time limit is stopped by killing its actor, an
actor that dies costs only the file it held, and a fresh actor takes its place. The driver
(this process) alone writes findings, the index, the summary and the report, so the output
folder has the same layout whichever executor ran the batch.

Actors open input files by path and write redacted audio into the output folder, so on a real
cluster both must be on a filesystem every node mounts at the same path (docs/ray.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import ScannerError
from .types import ScanResult
from .workers import stopped


class RayUnavailableError(ScannerError):
    code = "ray-unavailable"


class _ScannerActor:
    """Runs inside a Ray worker process: the models load once, then files one at a time."""

    def __init__(self, options: Any, csvs: list[Path], audio: bool) -> None:
        from .pipeline import Scanner

        self.scanner = Scanner(options)
        self.scanner.load_batch_metadata(csvs)
        self.scanner.warm_up(audio)

    def ready(self) -> bool:
        return True

    def process(self, item: Any, out: Path) -> tuple[ScanResult, dict[str, object] | None]:
        from .pipeline import without_original_text

        result = self.scanner.process(item, out)
        keep = self.scanner.options.keep_unredacted
        return without_original_text(result, keep), self.scanner.model_description()


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


def run_on_ray(
    options: Any,
    csvs: list[Path],
    todo: list[Any],
    out: Path,
    workers: int,
    started: Callable[[Any], None],
    time_limit: Callable[[Any], float | None],
    address: str | None = None,
) -> Iterator[tuple[Any, ScanResult, dict[str, object] | None]]:
    """Scan `todo` on Ray actors; yield (item, result, model description) as each finishes."""
    ray = connect(address)
    from ray.exceptions import RayActorError, RayTaskError

    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    threads = options.transcribe.cpu_threads or max(1, min(4, cpus // max(1, workers)))
    options = replace(options, transcribe=replace(options.transcribe, cpu_threads=threads))
    slots = workers if workers > 0 else max(1, cpus // threads)
    actor_cls = ray.remote(num_cpus=threads, max_restarts=0)(_ScannerActor)
    audio = any(item.kind == "audio" for item in todo)
    queue = list(reversed(todo))
    # ref -> [actor, item, deadline, limit]; an actor's first call waits for its models
    running: dict[Any, list[Any]] = {}

    def give(actor: Any) -> None:
        item = queue.pop()
        started(item)
        limit = time_limit(item)
        ref = actor.process.remote(item, out)
        running[ref] = [actor, item, None, limit]

    def fresh() -> Any:
        actor = actor_cls.remote(options, csvs, audio)
        try:
            ray.get(actor.ready.remote())  # the time limit starts once the models are loaded
        except (RayActorError, RayTaskError) as exc:
            raise RayUnavailableError(
                f"a scanner actor could not start on the cluster (is interaction-scanner "
                f"installed on every node, with the models?): {exc}"
            ) from exc
        return actor

    actors: list[Any] = []
    try:
        for _ in range(min(slots, len(queue))):
            actors.append(fresh())
            give(actors[-1])
        now = time.monotonic()
        for entry in running.values():
            entry[2] = now + entry[3] if entry[3] else None
        while running:
            deadlines = [e[2] for e in running.values() if e[2] is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            done, _ = ray.wait(list(running), num_returns=1, timeout=timeout)
            for ref in done:
                actor, item, _deadline, _limit = running.pop(ref)
                try:
                    result, described = ray.get(ref)
                except (RayActorError, RayTaskError) as exc:
                    why = f"the Ray actor scanning this file died ({type(exc).__name__})"
                    yield stopped(item, "worker-crashed", why)
                    ray.kill(actor, no_restart=True)
                    actors.remove(actor)
                    if queue:
                        actors.append(fresh())
                        give(actors[-1])
                        _start_clock(running)
                    continue
                yield item, result, described
                if queue:
                    give(actor)
                    _start_clock(running)
            now = time.monotonic()
            for ref, (actor, item, deadline, limit) in list(running.items()):
                if deadline is not None and now >= deadline:
                    running.pop(ref)
                    ray.kill(actor, no_restart=True)
                    actors.remove(actor)
                    yield stopped(
                        item,
                        "time-limit",
                        f"not finished after {limit:g} s, the per-file time limit "
                        "(--time-limit); its Ray actor was stopped",
                    )
                    if queue:
                        actors.append(fresh())
                        give(actors[-1])
                        _start_clock(running)
    finally:
        for actor in actors:
            ray.kill(actor, no_restart=True)


def _start_clock(running: dict[Any, list[Any]]) -> None:
    now = time.monotonic()
    for entry in running.values():
        if entry[2] is None and entry[3]:
            entry[2] = now + entry[3]
