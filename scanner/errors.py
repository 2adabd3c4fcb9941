"""One exception tree (in the spirit of httpx's), so callers catch as broadly as they need.

Every error carries a stable ``code`` for summaries and exit handling, and a message that names
the file and the problem but never quotes its content: content may be personal data.
"""

from __future__ import annotations


class ScannerError(Exception):
    """Base of everything the scanner raises on purpose."""

    code = "scanner-error"


class InputError(ScannerError):
    """A single input file cannot be used; the rest of the batch goes on."""

    code = "input-error"

    def __init__(self, path: str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


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
            f"{path}:{line}" if line else str(path), f"[{where}] {problem}" if where else problem
        )
        self.path = str(path)


class MetadataError(InputError):
    code = "metadata"


class ModelError(ScannerError):
    code = "model"


class ModelNotFoundError(ModelError):
    code = "model-not-found"


class OutputError(ScannerError):
    code = "output"


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
            loc = f"{path}:{line}" if line else path
            lines.append(f"{loc} [{where}] {problem}" if where else f"{loc} {problem}")
        super().__init__("\n".join(lines))
