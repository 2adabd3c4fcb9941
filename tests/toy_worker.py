"""A toy worker for the executor tests: it sleeps, crashes, hangs or raises on request, in
milliseconds rather than model loads. Spawned workers import it by name, so it is a module."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

from scanner.errors import InputError


@dataclass(frozen=True)
class Job:
    name: str
    action: str = "ok"  # ok | sleep | crash | hang | raise | bug
    seconds: float = 0.0


@dataclass(frozen=True)
class ToyFactory:
    """Picklable; `fail_start` makes every worker fail as it loads."""

    fail_start: bool = False
    load_seconds: float = 0.0

    def __call__(self, threads: int) -> ToyWorker:
        if self.fail_start:
            from scanner.models import resolve_whisper

            resolve_whisper("no-such-model")  # raises ModelNotFoundError, a ScannerError
        time.sleep(self.load_seconds)
        return ToyWorker(threads)


class ToyWorker:
    def __init__(self, threads: int) -> None:
        self.threads = threads

    def run(self, job: Job) -> tuple[str, int, int]:
        if job.action == "sleep":
            time.sleep(job.seconds)
        elif job.action == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        elif job.action == "hang":
            time.sleep(3600)
        elif job.action == "raise":
            raise InputError(job.name, "refused by the toy")
        elif job.action == "bug":
            raise ZeroDivisionError("secret content that must not show")
        return job.name, os.getpid(), self.threads
