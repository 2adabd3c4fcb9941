"""Offline compliance scanner for contact-centre calls and chats.

The public API: scan a batch (`scan`), or use the stages one at a time: `discover` inputs,
`Processor` for one file, `read_transcript`, `load_audio`, `Transcriber`, `Redactor`,
`RuleSet`, the conversation figures (`measure_audio`, `measure_turns`, `with_figures`,
`sentiment_score`), and the `findings` codec.
"""

from ._version import __version__
from .audio import Audio, load_audio
from .batch import ScanSummary, scan
from .conversation import measure_audio, measure_turns, with_figures
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
from .sentiment import score as sentiment_score
from .transcribe import TranscribeOptions, Transcriber
from .transcripts import read_transcript
from .types import (
    Conversation,
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
    "Conversation",
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
    "measure_audio",
    "measure_turns",
    "read_transcript",
    "resolve_whisper",
    "scan",
    "sentiment_score",
    "with_figures",
]
