"""Offline compliance scanner for contact-centre calls and chats.

The public API: scan a batch (`scan`), or use the stages one at a time: `discover` inputs,
`Processor` for one file, `read_transcript`, `load_audio`, `Transcriber`, `Redactor`,
`RuleSet`, and the `findings` codec.
"""

from ._version import __version__
from .audio import Audio, load_audio
from .batch import ScanSummary, scan
from .errors import (
    AudioDecodeError,
    AudioTooLongError,
    EmptyAudioError,
    InputError,
    MetadataError,
    ModelError,
    ModelNotFoundError,
    OutputError,
    RulePackError,
    ScannerError,
    TranscriptFormatError,
    TruncatedAudioError,
    UnsupportedFormatError,
)
from .executors import ExecutorError
from .ingest import InputFile, discover
from .models import ResolvedModel, resolve_whisper
from .process import Processor, ScanOptions
from .redact import RedactOptions, Redactor
from .rules import RuleSet
from .transcribe import TranscribeOptions, Transcriber
from .transcripts import read_transcript
from .types import (
    FileError,
    Interaction,
    Metadata,
    ScanResult,
    Source,
    SpeakerMapping,
    Turn,
    Word,
)

__all__ = [
    "Audio",
    "AudioDecodeError",
    "AudioTooLongError",
    "EmptyAudioError",
    "ExecutorError",
    "FileError",
    "InputError",
    "InputFile",
    "Interaction",
    "Metadata",
    "MetadataError",
    "ModelError",
    "ModelNotFoundError",
    "OutputError",
    "Processor",
    "RedactOptions",
    "Redactor",
    "ResolvedModel",
    "RulePackError",
    "RuleSet",
    "ScanOptions",
    "ScanResult",
    "ScanSummary",
    "ScannerError",
    "Source",
    "SpeakerMapping",
    "TranscribeOptions",
    "Transcriber",
    "TranscriptFormatError",
    "TruncatedAudioError",
    "Turn",
    "UnsupportedFormatError",
    "Word",
    "__version__",
    "discover",
    "load_audio",
    "read_transcript",
    "resolve_whisper",
    "scan",
]
