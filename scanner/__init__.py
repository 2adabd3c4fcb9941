"""Offline compliance scanner for contact-centre calls and chats.

The public API: scan a batch, or use the stages one at a time.
"""

__version__ = "0.1.0"

from .audio import Audio, load_audio
from .errors import (
    AudioDecodeError,
    AudioTooLongError,
    EmptyAudioError,
    InputError,
    MetadataError,
    ModelError,
    ModelNotFoundError,
    OutputError,
    ScannerError,
    TranscriptFormatError,
    TruncatedAudioError,
    UnsupportedFormatError,
)
from .models import ResolvedModel, resolve_whisper
from .pipeline import Scanner, ScanOptions, ScanSummary, discover, scan
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
    "FileError",
    "InputError",
    "Interaction",
    "Metadata",
    "MetadataError",
    "ModelError",
    "ModelNotFoundError",
    "OutputError",
    "ResolvedModel",
    "ScanOptions",
    "ScanResult",
    "ScanSummary",
    "Scanner",
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
    "discover",
    "load_audio",
    "read_transcript",
    "resolve_whisper",
    "scan",
]
