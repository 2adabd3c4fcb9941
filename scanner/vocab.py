"""The scanner's words, defined once: severities, categories, outcomes, kinds, error codes.

Rule packs, findings, the report, the CLI and the summary all speak this vocabulary; a word
added here is known everywhere, and a test keeps the error classes and this list in step.
"""

from __future__ import annotations

from typing import Literal, get_args

Severity = Literal["low", "medium", "high", "critical"]  # in rising order
Category = Literal["disclosure", "script", "customer-protection", "privacy"]
Outcome = Literal["passed", "failed", "not_applicable", "needs_review"]
Kind = Literal["required", "prohibited", "conditional", "measured"]
Speaker = Literal["agent", "customer", "any"]
Medium = Literal["voice", "chat"]

SEVERITIES: tuple[str, ...] = get_args(Severity)
CATEGORIES: tuple[str, ...] = get_args(Category)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
KINDS: tuple[str, ...] = get_args(Kind)

# every per-file error code a findings file, the summary or the index may carry
ERROR_CODES: dict[str, str] = {
    "unsupported-format": "not a recording or transcript type the scanner reads",
    "audio-decode": "not audio, or corrupt audio",
    "audio-truncated": "the recording is shorter than its header says",
    "audio-empty": "the recording holds no audio",
    "audio-too-long": "longer than --max-hours",
    "transcript-format": "a transcript that does not follow its format",
    "metadata": "a sidecar or batch metadata file that cannot be used",
    "input-error": "the input cannot be read (missing, unreadable)",
    "redaction-failed": "redaction failed, so no text of the interaction was written",
    "worker-crashed": "the worker scanning the file died",
    "time-limit": "the file ran past --time-limit",
    "internal-error": "a bug in the scanner (run with --debug for the traceback)",
}

# codes of errors that stop a whole batch (exit 3, or 2 for usage) rather than one file
FATAL_CODES: dict[str, str] = {
    "scanner-error": "an error of the scanner's own",
    "usage": "the command line asks for something impossible (exit 2)",
    "busy": "another scan is writing to the same output folder",
    "model": "a model cannot be loaded",
    "model-not-found": "a model is not installed",
    "output": "the output folder cannot be written (a full disk)",
    "rule-pack": "a rule pack does not follow the rule language",
    "executor": "the workers could not start",
    "ray-unavailable": "Ray is not installed or the cluster cannot be reached",
}


# the files a scan writes in OUT besides `<id>.json` and `<id>.redacted.wav`. No interaction
# id may equal one of their stems (in any case), so no input can overwrite them or be
# overwritten by them, whatever it is called
OUTPUT_NAMES: tuple[str, ...] = (
    "summary.json",
    "report.html",
    "results.csv",
    "interactions.csv",
    "index.sqlite",
)
RESERVED_IDS: frozenset[str] = frozenset(n.split(".")[0] for n in OUTPUT_NAMES)


def severity_rank(severity: str) -> int:
    """Position in SEVERITIES (-1 for anything else), for "at or above" comparisons."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


# every kind of personal data the scanner masks, as written in masks and the audit; found by
# presidio's own recognizers, by ours (recognizers.py), or both
ENTITIES: dict[str, str] = {
    "PERSON": "a person's name",
    "PHONE_NUMBER": "a telephone number",
    "CREDIT_CARD": "a payment card number",
    "CARD_SECURITY": "a card's security code or expiry date",
    "BANK_ACCOUNT": "a bank account number or sort code",
    "US_BANK_NUMBER": "a US bank account number",
    "IBAN_CODE": "an IBAN",
    "US_SSN": "a US social security number",
    "US_ITIN": "a US taxpayer number",
    "US_PASSPORT": "a US passport number",
    "US_DRIVER_LICENSE": "a US driver licence number",
    "UK_NINO": "a UK National Insurance number",
    "UK_NHS": "a UK NHS number",
    "CN_RESIDENT_ID": "a Chinese resident identity card number",
    "MEDICAL_LICENSE": "a medical licence number",
    "DATE_OF_BIRTH": "a date of birth (or any full date)",
    "EMAIL_ADDRESS": "an email address, typed or spoken",
    "STREET_ADDRESS": "a street address",
    "POSTCODE": "a postcode or ZIP code",
    "LOCATION": "a place name",
    "IP_ADDRESS": "an IP address",
    "URL": "a web address",
    "CRYPTO": "a cryptocurrency wallet",
    "NUMBER": "a run of digits that may identify someone",
    "ID": "a word of letters and digits (a reference, a policy number)",
}
