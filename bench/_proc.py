"""Running one side of a benchmark as a fresh process: wall time, peak memory, stdout."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB of the process or any of its children (os.wait4's
    ru_maxrss: the largest single process, a worker for a multi-worker scan), and stdout.
    Exit 0 and 4 (rule failures found) are success; anything else stops the benchmark."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code not in (0, 4):
            raise SystemExit(f"{cmd[:4]} failed ({code}): {err.read()[-2000:]!r}")
        return wall, usage.ru_maxrss / 1024, out.read().decode()
