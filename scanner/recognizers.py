"""Our presidio recognizers for what calls and chats contain and presidio misses.

They run on the spoken form of a turn (numbers as digits, see spoken.py) and lean towards
redacting: a card number with a wrong digit (an ASR slip) is still a card number, a run of six
or more digits is masked whatever it is, and context words ("date of birth", "security code",
said in the turn or the one before) lift weak patterns over the threshold.
"""

from __future__ import annotations

import re
from typing import ClassVar, TypeVar

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

R = TypeVar("R", bound=type[EntityRecognizer])
# every recognizer of ours, in registration order; redaction uses each of them and knows its
# entity from here (adding one is one class below plus its test)
RECOGNIZERS: list[type[EntityRecognizer]] = []


def recognizer(cls: R) -> R:
    """Register a recognizer class; it declares the entity it finds as ENTITY."""
    assert isinstance(getattr(cls, "ENTITY", None), str), f"{cls.__name__} needs an ENTITY"
    RECOGNIZERS.append(cls)
    return cls


def entities() -> set[str]:
    """The entity types our recognizers find."""
    return {cls.ENTITY for cls in RECOGNIZERS}  # type: ignore[attr-defined]


_SEP = r"[ ,.\-/]*"
MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)


def luhn_ok(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = int(ch)
        if alt:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        alt = not alt
    return total % 10 == 0


@recognizer
class CardNumberRecognizer(PatternRecognizer):
    """13-19 digits in groups; a failed checksum lowers the score but never below threshold:
    a misheard digit must not let a card through."""

    ENTITY: ClassVar[str] = "CREDIT_CARD"

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name="TranscriptCardRecognizer",
            patterns=[Pattern("card digits", rf"\b\d(?:{_SEP}\d){{12,18}}\b", 0.6)],
            context=["card", "debit", "credit", "visa", "mastercard", "amex", "long"],
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = re.sub(r"\D", "", pattern_text)
        return True if luhn_ok(digits) else None  # None keeps the pattern's score


@recognizer
class DigitRunRecognizer(PatternRecognizer):
    """When unsure, redact: six or more digits in a row (phone, account, ID, card fragment),
    and four or five digits when the words around say it is a number of the customer's."""

    ENTITY: ClassVar[str] = "NUMBER"

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name="DigitRunRecognizer",
            patterns=[
                Pattern("long digit run", rf"\b\d(?:{_SEP}\d){{5,}}\b", 0.5),
                Pattern("short digit run", r"\b\d{4,5}\b", 0.01),
            ],
            context=[
                "digits",
                "number",
                "code",
                "pin",
                "account",
                "reference",
                "ending",
                "last",
                "passcode",
                "password",
                "member",
                "policy",
                "customer",
            ],
        )


@recognizer
class SsnRecognizer(PatternRecognizer):
    ENTITY: ClassVar[str] = "US_SSN"

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name="SpokenSsnRecognizer",
            patterns=[Pattern("ssn groups", rf"\b\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{4}}\b", 0.55)],
            context=["social", "security", "ssn", "social security"],
        )


@recognizer
class NationalInsuranceRecognizer(PatternRecognizer):
    ENTITY: ClassVar[str] = "UK_NINO"

    def __init__(self) -> None:
        # looser than HMRC's rules on purpose: a misheard letter must not let one through
        nino = r"\b[a-z] ?[a-z](?: ?\d){6} ?[a-d]\b"
        super().__init__(
            supported_entity=self.ENTITY,
            name="NationalInsuranceRecognizer",
            patterns=[Pattern("nino", nino, 0.5)],
            context=["national", "insurance", "ni"],
            global_regex_flags=re.IGNORECASE,
        )


@recognizer
class PostcodeRecognizer(PatternRecognizer):
    """UK postcodes, also spelled out ("S W 1 A, 1 A A"), and US ZIP codes with context."""

    ENTITY: ClassVar[str] = "POSTCODE"

    def __init__(self) -> None:
        c = r"[ ,]*"
        uk = rf"\b[a-z]{c}[a-z]?{c}\d{c}[a-z\d]?{c}\d{c}[a-z]{c}[a-z]\b"
        super().__init__(
            supported_entity=self.ENTITY,
            name="PostcodeRecognizer",
            patterns=[
                Pattern("uk postcode", uk, 0.45),
                Pattern("zip", r"\b\d{5}(?:-\d{4})?\b", 0.01),
            ],
            context=["postcode", "post", "zip", "address", "postal"],
            global_regex_flags=re.IGNORECASE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        letters = re.sub(r"[^a-z]", "", pattern_text.lower())
        # "a 1 a a" in ordinary words is rare; refuse matches made of common words
        return False if letters in {"aaa", "iaa"} else None


@recognizer
class DateOfBirthRecognizer(PatternRecognizer):
    """Full dates in any spoken or written form; a date said near "birth"/"born" is a date of
    birth for certain, any date with a year is masked anyway (calls rarely state others)."""

    ENTITY: ClassVar[str] = "DATE_OF_BIRTH"

    def __init__(self) -> None:
        # "second" stays a word after number conversion (it is also a unit of time)
        day = r"(?:\d{1,2}(?:st|nd|rd|th)?|first|second|third)"
        spoken = rf"\b(?:the )?{day}(?: of)? (?:{MONTHS})\b(?:,? (?:of )?\d{{4}})?"
        us = rf"\b(?:{MONTHS}) (?:the )?{day}(?:,? \d{{4}})?"
        numeric = r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b"
        year = r"\b(?:19|20)\d{2}\b"
        super().__init__(
            supported_entity=self.ENTITY,
            name="DateOfBirthRecognizer",
            patterns=[
                Pattern("day month", spoken, 0.45),
                Pattern("month day", us, 0.45),
                Pattern("numeric date", numeric, 0.5),
                Pattern("year", year, 0.01),
            ],
            context=["birth", "born", "dob", "birthday", "age"],
            global_regex_flags=re.IGNORECASE,
        )


@recognizer
class CardSecurityRecognizer(PatternRecognizer):
    """CVV and expiry only count when asked for: three digits alone are everywhere."""

    ENTITY: ClassVar[str] = "CARD_SECURITY"

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name="CardSecurityRecognizer",
            patterns=[
                Pattern("cvv", r"\b\d{3,4}\b", 0.01),
                Pattern("expiry", r"\b(?:0?[1-9]|1[0-2]) ?(?:/|-|slash) ?\d{2}(?:\d{2})?\b", 0.3),
            ],
            context=[
                "security",
                "cvv",
                "cvc",
                "back",
                "digits",
                "expiry",
                "expires",
                "expiration",
                "valid",
            ],
            global_regex_flags=re.IGNORECASE,
        )


@recognizer
class BankDetailsRecognizer(PatternRecognizer):
    ENTITY: ClassVar[str] = "BANK_ACCOUNT"

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name="BankDetailsRecognizer",
            patterns=[
                Pattern("sort code", rf"\b\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}\b", 0.05),
                Pattern("account number", r"\b\d{8}\b", 0.3),
            ],
            context=["sort", "account", "bank", "routing"],
        )


@recognizer
class TranscriptEmailRecognizer(PatternRecognizer):
    """Typed and spoken emails ("james dot miller 75 at example dot com"). Replaces
    presidio's, which asks tldextract for the public suffix list over the network."""

    ENTITY: ClassVar[str] = "EMAIL_ADDRESS"

    def __init__(self) -> None:
        typed = r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b"
        spoken = (
            r"\b(?:\w+ (?:dot|underscore|dash|hyphen) )*\w+(?: \d+)? at "
            r"\w+(?: (?:dot|\.) ?\w+)*(?: dot |\.)(?:com|org|net|edu|gov|io|co|uk|us|info|biz)\b"
        )
        domainish = r"\b[\w\-]+\.(?:com|org|net|edu|gov|io|co\.uk|uk|us|info|biz)\b"
        super().__init__(
            supported_entity=self.ENTITY,
            name="TranscriptEmailRecognizer",
            patterns=[
                Pattern("typed", typed, 0.9),
                Pattern("spoken", spoken, 0.75),
                Pattern("domain", domainish, 0.4),
            ],
            context=["email", "mail", "address"],
            global_regex_flags=re.IGNORECASE,
        )


@recognizer
class StreetAddressRecognizer(PatternRecognizer):
    ENTITY: ClassVar[str] = "STREET_ADDRESS"

    def __init__(self) -> None:
        suffix = (
            "street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|court|ct|place|pl|"
            "boulevard|blvd|crescent|terrace|grove|gardens|square|parkway|highway|hill"
        )
        super().__init__(
            supported_entity=self.ENTITY,
            name="StreetAddressRecognizer",
            patterns=[
                Pattern(
                    "number street", rf"\b\d{{1,5}}[a-z]?,? (?:[a-z]+ ){{1,3}}(?:{suffix})\b", 0.6
                ),
                Pattern("flat", r"\b(?:flat|apartment|apt|unit|suite) \d+[a-z]?\b", 0.5),
            ],
            context=["live", "address", "lives", "living"],
            global_regex_flags=re.IGNORECASE,
        )


@recognizer
class AlphanumericIdRecognizer(PatternRecognizer):
    """When unsure, redact: a word mixing letters and digits is an identifier (a postcode
    heard as "SW1A1A", a reference "CR-55102", a policy number), not an ordinary word."""

    ENTITY: ClassVar[str] = "ID"

    def __init__(self) -> None:
        word = r"\b(?=[a-z\-]*\d)(?=[\d\-]*[a-z])[a-z\d\-]{4,}\b"
        super().__init__(
            supported_entity=self.ENTITY,
            name="AlphanumericIdRecognizer",
            patterns=[Pattern("letters and digits", word, 0.4)],
            global_regex_flags=re.IGNORECASE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        t = pattern_text.lower()
        if re.fullmatch(r"\d+(st|nd|rd|th|s|am|pm|k|m)", t) or re.fullmatch(r"mp\d|\d+d", t):
            return False  # 21st, 1990s, 10am
        return None


@recognizer
class IntroducedNameRecognizer(EntityRecognizer):
    """Names the small spaCy model misses in transcripts: after "my name is", "this is",
    "speaking with", a title (Mr, Mrs, Ms, Miss, Dr), a greeting. Capitalised names after any
    cue; uncapitalised ones (speech recognition does not always capitalise) only after the
    strongest cues ("my name is", "this is ... speaking"), and never ordinary words."""

    ENTITY: ClassVar[str] = "PERSON"

    _CUES = re.compile(
        r"\b(?i:my name is|name's|this is|it's|it is|speaking with|speaking to|chatting with|"
        r"mr\.?|mrs\.?|ms\.?|miss|dr\.?|dear|hi|hello|afternoon|morning|evening|i'm|i am)"
        r"\s+((?:[A-Z][a-z'\-]+)(?:\s+[A-Z][a-z'\-]+)?)"
    )
    _STRONG = re.compile(
        r"\b(?:my name is|my name's|(?:yes )?(?:this|it) is|it's)\s+([a-z'\-]+)"
        r"(?:\s+([a-z'\-]+))?(?:\s+(speaking|here)\b)?",
        re.IGNORECASE,
    )
    # capitalised words that follow cues but are not names
    _NOT_NAMES = frozenset(
        "I The Yes No Okay OK Thank Thanks Sorry Please Just Hello Hi Good Well Right Sure "
        "Agent Customer Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
    )
    _COMMON = frozenset(
        """a an the my your our their his her its this that these those about calling from with
        and or but to of in on at for is are was were be been not just so because here there
        speaking sorry fine good ok okay yes no going trying still really very well also only
        ringing phoning call regarding re me you we they he she it i mine yours ours what when
        where why how who which if then than now today tomorrow yesterday please thanks thank
        hello hi hey right sure great lovely afternoon morning evening an attempt""".split()
    )

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name="IntroducedNameRecognizer")

    def load(self) -> None:  # nothing to load
        return None

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for m in self._CUES.finditer(text):
            kept = []
            for w in m.group(1).split():
                if w in self._NOT_NAMES:
                    break
                kept.append(w)
            if kept:
                start = m.start(1)
                out.append(RecognizerResult("PERSON", start, start + len(" ".join(kept)), 0.6))
        for m in self._STRONG.finditer(text):
            strong = "name" in m.group(0).lower() or m.group(3) is not None
            words = [g for g in (m.group(1), m.group(2)) if g]
            kept = []
            for w in words:
                if w.lower() in self._COMMON:
                    break
                kept.append(w)
            if strong and kept:
                start = m.start(1)
                out.append(RecognizerResult("PERSON", start, start + len(" ".join(kept)), 0.55))
        return out


def our_recognizers() -> list[EntityRecognizer]:
    return [cls() for cls in RECOGNIZERS]
