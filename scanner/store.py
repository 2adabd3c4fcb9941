"""Writing outputs so that a kill at any instant leaves either the old file or the new one."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import BusyError


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target. `data`
    may come in pieces (a report page rendered as it is written, never whole in memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs follow the umask like any file
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in [data] if isinstance(data, bytes) else data:
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def lock_folder(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder while a scan writes there: a second scan of the
    same output folder stops at once with BusyError rather than mixing its writes with the
    first's. The lock is the kernel's (flock on the folder itself): nothing is left behind,
    and it goes with the process however that ends. Where the filesystem has no locks, the
    scan goes on unlocked."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BusyError(
                f"{folder}: another scan is writing to this folder; wait for it to finish "
                "(the same command then resumes where it stopped) or choose another --out"
            ) from exc
        except OSError:
            pass  # no locks on this filesystem
        yield
    finally:
        os.close(fd)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_json(path: Path, obj: Any) -> None:
    """JSON as the standard has it: a value that is not (NaN, Infinity) is a bug, not output."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)
    write_atomic(path, (text + "\n").encode("utf-8"))
