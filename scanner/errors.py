"""One exception tree (in the spirit of httpx's), so callers catch as broadly as they need.

Every error carries a stable ``code`` for summaries and exit handling, and a message that names
the file and the problem but never quotes its content: content may be personal data.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown(text: object) -> str:
    """A path (or any text from outside) as messages print it: control characters such as a
    newline in a file name escaped, so a message stays one line and no log line is forged."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


class ScannerError(Exception):
    """Base of everything the scanner raises on purpose."""

    code = "scanner-error"


class InputError(ScannerError):
    """A single input file cannot be used; the rest of the batch goes on."""

    code = "input-error"

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{shown(self.path)}: {problem}")


class UnsupportedFormatError(InputError):
    code = "unsupported-format"


class AudioDecodeError(InputError):
    """Not audio at all, corrupt, or cut short."""

    code = "audio-decode"


class TruncatedAudioError(AudioDecodeError):
    code = "audio-truncated"


class AudioTooLongError(InputError):
    code = "audio-too-long"


class EmptyAudioError(InputError):
    code = "audio-empty"


class TranscriptFormatError(InputError):
    """A transcript that does not follow its format; ``location`` is a line or a JSON path."""

    code = "transcript-format"

    def __init__(
        self, path: str, problem: str, line: int | None = None, where: str | None = None
    ) -> None:
        self.line = line
        self.where = where
        super().__init__(
            f"{path}:{line}" if line else str(path),
            f"[{_short(shown(where))}] {problem}" if where else problem,
        )
        self.path = str(path)


def _short(text: str, limit: int = 120) -> str:
    """A location that came from the file (JSON keys), kept short."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class MetadataError(InputError):
    code = "metadata"


class ModelError(ScannerError):
    code = "model"


class ModelNotFoundError(ModelError):
    code = "model-not-found"


class OutputError(ScannerError):
    code = "output"


class UsageError(ScannerError):
    """The command line asks for something that cannot work (exit 2), e.g. --out is a file."""

    code = "usage"


class BusyError(ScannerError):
    """Another scan holds the output folder."""

    code = "busy"


class RulePackError(ScannerError):
    """A rule pack that does not follow the rule language, located like a compiler error:
    `rules/core/pack.yaml:14 [rules -> 2 -> window] unknown key 'frist_seconds'`. One error
    carries every problem found in the file, in line order."""

    code = "rule-pack"

    def __init__(self, path: str, issues: list[tuple[int | None, str | None, str]]) -> None:
        self.path = path
        self.issues = sorted(issues, key=lambda i: i[0] or 0)
        lines = []
        for line, where, problem in self.issues:
            loc = f"{shown(path)}:{line}" if line else shown(path)
            lines.append(f"{loc} [{where}] {problem}" if where else f"{loc} {problem}")
        super().__init__("\n".join(lines))
