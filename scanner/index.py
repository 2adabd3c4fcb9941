"""The batch index: OUT/index.sqlite, one row per interaction, so a batch can resume.

A row says where an input came from (path, content hash), what happened to it (running,
done, failed with an error code), under which settings (model, rule packs and their
versions, redaction), where its findings are, and how many times it was attempted. The
findings file is written (atomically) before its row says done, so a kill at any instant
leaves either a finished file with its row, or a row that is not done and will be redone.
SQLite in WAL mode with full sync keeps the index itself intact through a kill.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

INDEX_NAME = "index.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    id            TEXT PRIMARY KEY,
    source        TEXT NOT NULL,
    sha256        TEXT,
    bytes         INTEGER,
    status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    error_code    TEXT,
    error_message TEXT,
    config        TEXT,
    output        TEXT,
    audio_seconds REAL,
    timings       TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    updated       TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Index:
    def __init__(self, outdir: Path) -> None:
        self.path = Path(outdir) / INDEX_NAME
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def row(self, ident: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM interactions WHERE id = ?", (ident,)).fetchone()

    def is_done(self, ident: str, sha256: str, config: str) -> bool:
        """Done, with the same content and settings, and its findings still on disk."""
        r = self.row(ident)
        return bool(
            r
            and r["status"] == "done"
            and r["sha256"] == sha256
            and r["config"] == config
            and r["output"]
            and Path(r["output"]).is_file()
        )

    def start(self, ident: str, source: str, sha256: str | None, size: int | None) -> None:
        self.db.execute(
            """INSERT INTO interactions (id, source, sha256, bytes, status, attempts, updated)
               VALUES (?, ?, ?, ?, 'running', 1, ?)
               ON CONFLICT(id) DO UPDATE SET source = excluded.source, sha256 = excluded.sha256,
                 bytes = excluded.bytes, status = 'running', error_code = NULL,
                 error_message = NULL, attempts = attempts + 1, updated = excluded.updated""",
            (ident, source, sha256, size, _now()),
        )

    def finish(
        self,
        ident: str,
        *,
        ok: bool,
        config: str,
        output: str,
        error_code: str | None = None,
        error_message: str | None = None,
        audio_seconds: float | None = None,
        timings: dict[str, float] | None = None,
    ) -> None:
        self.db.execute(
            """UPDATE interactions SET status = ?, error_code = ?, error_message = ?,
               config = ?, output = ?, audio_seconds = ?, timings = ?, updated = ?
               WHERE id = ?""",
            (
                "done" if ok else "failed",
                error_code,
                error_message,
                config,
                output,
                audio_seconds,
                json.dumps(timings or {}),
                _now(),
                ident,
            ),
        )

    def sources(self) -> dict[str, str]:
        """Each source this folder has seen (its full path) and the id it was given."""
        rows = self.db.execute("SELECT id, source FROM interactions")
        return {os.path.realpath(r["source"]): r["id"] for r in rows}

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, COUNT(*) AS n FROM interactions GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    def failed(self) -> list[sqlite3.Row]:
        return list(
            self.db.execute("SELECT * FROM interactions WHERE status = 'failed' ORDER BY id")
        )

    def all(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM interactions ORDER BY id"))
