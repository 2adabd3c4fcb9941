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

from .lexicon import (
    NOT_NAMES,
    ORG_TAIL_WORDS,
    ORG_WORDS,
    ZH_DIGIT_CONTEXT,
    could_be_name,
    first_names,
    surnames,
    zipf,
)

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
                # a letter read out first belongs to it ("s 6808 6417", a licence number)
                Pattern("long digit run", rf"(?:(?<![\w'’])[a-z] )?\b\d(?:{_SEP}\d){{5,}}\b", 0.5),
                Pattern("short digit run", r"\b\d{4,5}\b", 0.01),
                # four or five digits read out one by one ("7. 9. 2. 4. 1.", a ZIP code): nobody
                # reads a number that way unless it is one of theirs
                Pattern("digits read out", r"\b\d(?:[ ]?[,.\-][ ]?\d|[ ]\d){3,4}\b", 0.5),
                # a phone's extension goes with it: "... 0600 x 4483", "ext. 12"
                Pattern(
                    "extension", r"(?<=\d\d\d\d)[ )]*(?:x|ext\.?|extension)[ .:#]*\d{1,6}\b", 0.5
                ),
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
                *ZH_DIGIT_CONTEXT,
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
class PostcodeAfterCueRecognizer(EntityRecognizer):
    """Whatever follows "zip", "postcode" or "postal code" is one, in any country's form:
    "my zip code is 2211 WK", "ZIP: 8699", "postcode K1A 0B1", "CAP 00184"."""

    ENTITY: ClassVar[str] = "POSTCODE"
    _CUE = re.compile(
        r"\b(?:zip|zip code|zipcode|post ?code|postal code|plz|cap|pin ?code|eircode)"
        r"(?: is| was| it is|:|-)?\s*[:#]?\s*"
        r"(?P<code>(?=[A-Za-z\d-]*\d)[A-Za-z\d-]{2,8}"
        r"(?: (?=[A-Za-z\d]*\d|[A-Z]{2}\b)[A-Z\d]{2,4})?)",
        re.IGNORECASE,
    )

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name="PostcodeAfterCueRecognizer")

    def load(self) -> None:
        return None

    def analyze(self, text, entities, nlp_artifacts=None):
        return [
            RecognizerResult(self.ENTITY, m.start("code"), m.end("code"), 0.6)
            for m in self._CUE.finditer(text)
        ]


@recognizer
class PostcodeByPlaceRecognizer(EntityRecognizer):
    """A postcode of a common European or Canadian form beside a capitalised place name
    ("Kraków 30-804", "Lisboa 1100-148", "Geleen 6163 BL", "114 55 Stockholm", "Montreal
    H3B 2Y5", "Ehingen 89584"): the forms are too plain to mask alone, the place beside them
    makes them an address."""

    ENTITY: ClassVar[str] = "POSTCODE"
    _CODE = re.compile(
        r"(?<![\w-])(?:\d{2}-\d{3}|\d{4}-\d{3}|\d{4} ?[A-Z]{2}|\d{3} \d{2}|\d{5}"
        r"|[A-Z]\d[A-Z] ?\d[A-Z]\d)(?![\w-])"
    )

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name="PostcodeByPlaceRecognizer")

    def load(self) -> None:
        return None

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for m in self._CODE.finditer(text):
            before = re.search(r"([^\W\d_][\w'-]*)[ ,]*$", text[max(0, m.start() - 40) : m.start()])
            after = re.match(r"[ ,]*([^\W\d_][\w'-]*)", text[m.end() : m.end() + 40])
            if any(g and _place_word(g.group(1)) for g in (before, after)):
                out.append(RecognizerResult(self.ENTITY, m.start(), m.end(), 0.45))
        return out


def _place_word(word: str) -> bool:
    # a region's code counts ("Ottawa ON K2P 1L4"), "On" opening a sentence does not
    return _is_cap(word) and len(word) > 1 and (word.isupper() or word.lower() not in NOT_NAMES)


@recognizer
class DateOfBirthRecognizer(PatternRecognizer):
    """Full dates in any spoken or written form; a date said near "birth"/"born" is a date of
    birth for certain, any date with a year is masked anyway (calls rarely state others)."""

    ENTITY: ClassVar[str] = "DATE_OF_BIRTH"

    def __init__(self) -> None:
        # "second" stays a word after number conversion (it is also a unit of time)
        day = r"(?:\d{1,2}(?:st|nd|rd|th)?|first|second|third)"
        # slow readers leave pauses that speech recognition writes as commas and full stops:
        # "18th, December, 19-98", "10th, January, 19, 70, 4"
        sep = r"[ ,.\-]+"
        year = r"(?:\d{4}|(?:19|20)(?:[ ,.\-]+\d{1,2}){1,2})"
        spoken = rf"\b(?:the )?{day}{sep}(?:of{sep})?(?:{MONTHS})\b(?:{sep}(?:of{sep})?{year}\b)?"
        us = rf"\b(?:{MONTHS}){sep}(?:the )?{day}\b(?:{sep}{year}\b)?"
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
                "exp",
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
            r"\w+(?: (?:dot|\.) ?\w+)*(?: dot |\.)(?:[a-z]{2,3}|info|biz|mobi|online|email)\b"
        )
        domainish = r"\b[\w\-]+\.(?:com|org|net|edu|gov|io|co\.uk|uk|us|info|biz)\b"
        # written to dodge harvesters: "jsmith(at)gmail(dot)com", "j.smith [at] mail [dot] de"
        dodged = r"\b[\w.+\-]+ ?[(\[{<] ?at ?[)\]}>] ?[\w\-]+(?: ?[(\[{<] ?dot ?[)\]}>] ?[\w\-]+)+"
        super().__init__(
            supported_entity=self.ENTITY,
            name="TranscriptEmailRecognizer",
            patterns=[
                Pattern("typed", typed, 0.9),
                Pattern("spoken", spoken, 0.75),
                Pattern("dodged", dodged, 0.85),
                Pattern("domain", domainish, 0.4),
            ],
            context=["email", "mail", "address"],
            global_regex_flags=re.IGNORECASE,
        )


# street words in the languages of the addresses customers give (a closed class, as a
# postal parser's dictionary has them); a word ending in one of _STREET_ENDINGS is a street
# name written as one word ("Kapelaniestraat", "Kollenveien", "Drottninggatan")
_STREET_WORDS = frozenset(
    """street st road rd avenue ave av lane ln drive dr close way court ct place pl boulevard
    blvd bd crescent cres terrace tce grove gardens square sq parkway pkwy highway hwy hill row
    walk mews rise green circle cir trail parade alley plaza pike route rte esplanade quay
    wharf causeway expressway freeway motorway loop bend crossing heights ridge path marg nagar
    rue chemin impasse allée allee quai cours faubourg via viale piazza piazzale vicolo corso
    largo strada contrada calle avenida avda paseo camino carrera carretera plaza rambla
    ronda travesía travessa rua praça praca estrada alameda strasse straße str gasse weg
    platz ring damm chaussee straat laan plein dijk gracht kade steeg singel gatan gata vägen
    vagen väg vej veien vegen gade gate tie katu utca u út ul ulica aleja ulice náměstí třída
    sokak sokağı cadde caddesi bulvar bulvarı odos οδός λεωφόρος rúa quadra cruce tee põik
    maantee puiestee tänav iela gatvė prospekt aleea strada bulevardi""".split()
)
# USPS Publication 28 street suffixes that are also everyday English words: a street only as
# "<number> <Name> <Suffix>" or as the second street of a corner ("... and Azevedo Inlet")
_US_SUFFIXES = frozenset(
    """alley annex arcade bayou beach bend bluff bluffs bottom branch bridge brook brooks burg
    burgs bypass camp canyon cape center centers circles cliff cliffs club common commons corner
    corners course courts cove coves creek crest crossing crossroad curve dale dam divide drives
    estate estates extension falls ferry field fields flat flats ford fords forest forge forges
    fork forks fort freeway gardens gateway glen glens greens groves harbor harbors haven
    heights hills hollow inlet island islands isle junction junctions key keys knoll knolls
    lake lakes land landing lanes light lights loaf lock locks lodge mall manor manors meadow
    meadows mill mills mission mount mountain mountains neck orchard oval overpass parks
    parkways pass passage pine pines plain plains points port ports prairie ranch rapids rest
    ridges river roads run shoal shoals shore shores skyway spring springs spur spurs squares
    station stream streets summit throughway trace track trafficway trailer tunnel turnpike
    underpass union unions valley valleys viaduct views village villages ville vista walks wall
    ways well wells""".split()
)
_STREET_ENDINGS = (
    "strasse",
    "straße",
    "straat",
    "gatan",
    "vägen",
    "vagen",
    "veien",
    "vegen",
    "vej",
    "gade",
    "weg",
    "laan",
    "gasse",
    "platz",
    "allee",
    "dijk",
    "gracht",
    "katu",
    "tie",
    "utca",
    "stræti",
    "street",
    "road",
)
_UNIT_WORDS = frozenset(
    "apt apartment suite ste unit flat box room floor fl bldg building house no".split()
)
_PARTICLES = frozenset(
    """de da del della di du des la le van von der den ten ter bin binti ibn al el dos das
    mac st y e i à do na pri v nad pod an am im zum zur aux sur""".split()
)
_TOKEN = re.compile(r"\S+")
_CORE = re.compile(r"^[\W_]*(.*?)[\W_]*$", re.S)


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """Words with their character offsets, punctuation around them trimmed off."""
    out = []
    for m in _TOKEN.finditer(text):
        core = _CORE.match(m.group(0))
        word = core.group(1) if core else m.group(0)
        if not word:
            continue
        a = m.start() + m.group(0).find(word)
        out.append((a, a + len(word), word))
    return out


def _is_number(w: str) -> bool:
    return bool(re.fullmatch(r"\d+[a-zA-Z]?|\d+[/-]\d+", w))


def _is_cap(w: str) -> bool:
    return w[:1].isupper() and not w.isdigit()


def _street_word(w: str) -> bool:
    lw = w.lower().rstrip(".")
    return lw in _STREET_WORDS or (len(lw) > 6 and lw.endswith(_STREET_ENDINGS))


_HEX_GROUP = r"(?:[0-9a-f]{1,4}(?!\w)(?: [0-9a-f]{1,4}(?!\w)){0,3})?"


@recognizer
class SpokenIpRecognizer(PatternRecognizer):
    """An IP address read out: four numbers joined by "dot" or "point" ("one ninety two dot
    one sixty eight dot ..."), however speech recognition groups each number's digits."""

    ENTITY: ClassVar[str] = "IP_ADDRESS"

    def __init__(self) -> None:
        num = r"\d{1,3}(?: \d{1,3}){0,2}"
        super().__init__(
            supported_entity=self.ENTITY,
            name="SpokenIpRecognizer",
            patterns=[
                Pattern("spoken ip", rf"\b{num}(?: (?:dot|point) {num}){{3}}\b", 0.6),
                # IPv6 however it was read or written down: groups of hex digits and letters
                # between colons ("fe80 : 8 a 07 : 787 :b 26 d: ..."), five colons at least
                Pattern(
                    "spoken ipv6",
                    rf"(?<![\w:]){_HEX_GROUP}(?:[ ]?(?::|colon)[ ]?{_HEX_GROUP}){{4,}}",
                    0.5,
                ),
            ],
            global_regex_flags=re.IGNORECASE,
        )


@recognizer
class SpelledOutRecognizer(EntityRecognizer):
    """Anything spelled letter by letter is someone's: a name, an email, a postcode, a
    reference ("T, N, O, V, A, K at G M A I L dot C O M", "Y-A-H-O-O"). Four or more single
    letters or digits in a row, with "at", "dot", "underscore" or "dash" between them, are
    masked whole; with "at" or "dot" in them they are an email."""

    ENTITY: ClassVar[str] = "ID"
    _CHAIN = re.compile(r"^(?:[a-z0-9]-)+[a-z0-9]$", re.IGNORECASE)
    _JOINERS = frozenset("at dot underscore dash hyphen".split())

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[self.ENTITY, "EMAIL_ADDRESS"], name="SpelledOutRecognizer"
        )

    def load(self) -> None:
        return None

    def analyze(self, text, entities, nlp_artifacts=None):
        toks = _tokens(text)
        out = []
        i = 0
        while i < len(toks):
            j, units, letters, joined = i, 0, 0, False
            last = None
            while j < len(toks):
                w = toks[j][2]
                if len(w) == 1 and w.isalnum():
                    units += 1
                    letters += w.isalpha()
                elif self._CHAIN.match(w):
                    units += w.count("-") + 1
                    letters += sum(c.isalpha() for c in w)
                elif w.isdigit() and len(w) <= 4 and units:  # "o o" became "00"
                    units += len(w)
                elif w.lower() in self._JOINERS and units and j + 1 < len(toks):
                    joined = True
                    j += 1
                    continue
                else:
                    break
                last = j
                j += 1
            if last is not None and units >= 4 and letters >= 2:
                entity = "EMAIL_ADDRESS" if joined else self.ENTITY
                out.append(RecognizerResult(entity, toks[i][0], toks[last][1], 0.6))
                i = last + 1
            else:
                i = max(i + 1, j if last is None else i + 1)
        return out


@recognizer
class SpacedIbanRecognizer(EntityRecognizer):
    """An IBAN read out or typed in groups ("GB 98 JQCA 9979 9993 0783 15"): the groups are
    joined and the country's length and checksum tried (python-stdnum), so a run of letters
    and digits is only called an IBAN when it is one."""

    ENTITY: ClassVar[str] = "IBAN_CODE"
    _CANDIDATE = re.compile(r"\b[A-Z]{2} ?\d{2}(?:[ -]?[A-Z0-9]){8,32}", re.IGNORECASE)

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name="SpacedIbanRecognizer")

    def load(self) -> None:
        return None

    def analyze(self, text, entities, nlp_artifacts=None):
        from stdnum import iban

        out = []
        for m in self._CANDIDATE.finditer(text):
            chunk = m.group(0)
            # the longest prefix, ending at a group's end, that is a valid IBAN
            ends = [k.start() for k in re.finditer(r"[ -]", chunk)] + [len(chunk)]
            for end in sorted(ends, reverse=True):
                if iban.is_valid(re.sub(r"[ -]", "", chunk[:end]).upper()):
                    out.append(RecognizerResult(self.ENTITY, m.start(), m.start() + end, 0.9))
                    break
        return out


@recognizer
class StreetAddressRecognizer(EntityRecognizer):
    """A street address in the forms of many countries, and the rest of its block.

    Found: a number beside a street word of any language ("221 Birch Lane", "Linzer Strasse
    69", "138 Rue de Libya", "Kollenveien 58"), a house number, words and a second number
    ("9009 Möhe 63", the form of many European addresses), or a unit ("Apt. 221", "Suite 9",
    "Box 0235"). Then the address runs on over what follows it in capitalised words, numbers
    and commas: the unit, the town, the region, the postcode, the country ("..., Leugnies,
    Belgium 69169"), as a postal parser would read the block."""

    ENTITY: ClassVar[str] = "STREET_ADDRESS"

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name="StreetAddressRecognizer")

    def load(self) -> None:
        return None

    def analyze(self, text, entities, nlp_artifacts=None):
        toks = _tokens(text)
        words = [w for _, _, w in toks]
        n = len(words)
        spans: list[tuple[int, int, float]] = []  # token first, last, score
        for i, w in enumerate(words):
            lw = w.lower().rstrip(".")
            if _street_word(w):
                spans += self._around_street_word(words, i, short=lw in _SHORT_STREET)
            elif lw in _US_SUFFIXES and _is_cap(w):
                spans += self._around_street_word(words, i, short=True)
            if lw in _UNIT_WORDS and lw != "no" and i + 1 < n:
                nxt = words[i + 1].lstrip("#")
                if _is_number(nxt) and (lw not in {"house", "room", "floor", "fl"} or i > 0):
                    spans.append((i, i + 1, 0.5))
            if lw == "box" and i >= 1 and words[i - 1].lower().replace(".", "") in {"po", "p.o"}:
                spans.append((i - 1, min(n - 1, i + 1), 0.5))
            # US military post: "Unit 7365 Box 8943 DPO AE 09879", "USNV Covillon FPO AP 53418"
            if w in {"APO", "FPO", "DPO"} and i + 2 < n and words[i + 1] in {"AA", "AE", "AP"}:
                first = i - 2 if i >= 2 and words[i - 2] in {"USNS", "USNV", "USS", "USCGC"} else i
                spans.append((first, i + 2, 0.6))
            # a street named without its number: a name-like word, then a street word
            # ("Chloupková Drive", "Arcuri Islands"), never an everyday word ("Park Lane")
            if (
                i >= 1
                and _is_cap(w)
                and (lw in _STREET_WORDS or lw in _US_SUFFIXES)
                and lw not in _SHORT_STREET
                and _is_cap(words[i - 1])
                and _name_like(words[i - 1])
            ):
                spans.append((i - 1, i, 0.45))
            # "at"/"on" a number and a street's name alone: "the station is on 110 Kontomari"
            if _is_number(w) and len(w) <= 5 and i >= 1 and words[i - 1].lower() in {"at", "on"}:
                j = i + 1
                while j < n and j - i <= 3 and _is_cap(words[j]) and _name_like(words[j]):
                    j += 1
                if j > i + 1:
                    spans.append((i, j - 1, 0.45))
            # name words and a number: "9009 Möhe 63", "Stallstigen 19", "Pod Floriánem 1677"
            if _is_number(w) and len(w) <= 5 and i >= 1:
                k = i - 1
                while k >= 0 and i - k <= 4 and self._street_name_word(words[k]):
                    k -= 1
                abbreviated = k >= 0 and k + 1 < i - 1 and _abbreviation(words, k + 1)
                if k < i - 1 and (abbreviated or any(_name_like(x) for x in words[k + 1 : i])):
                    first = k if k >= 0 and _is_number(words[k]) else k + 1
                    spans.append((first, i, 0.45))
        out = []
        for first, last, score in spans:
            while first > 0 and (
                _is_number(words[first - 1]) or (first > 1 and _abbreviation(words, first - 1))
            ):
                first -= 1  # "0681 213 Endeavour Lane": both numbers; "519 R Nossa Senhora"
            first = self._corner_start(toks, text, first)
            last = self._corner_end(toks, self._block_end(toks, text, last))
            out.append(RecognizerResult(self.ENTITY, toks[first][0], toks[last][1], score))
        return out

    @staticmethod
    def _street_name_word(w: str) -> bool:
        lw = w.lower().rstrip(".")
        return (
            (_is_cap(w) and not _is_number(w))
            or lw in _PARTICLES
            or (lw in _STREET_WORDS and w[:1].isalpha())  # "Kárpát u. 6.", "Jana ul. 12"
            or lw in ("th", "nd", "rd")  # an ordinal said apart: "forty nine th Avenue"
            or _rare(w)
        )

    @classmethod
    def _around_street_word(
        cls, words: list[str], i: int, short: bool = False
    ) -> list[tuple[int, int, float]]:
        n = len(words)
        # before it: up to four name words, then a house number ("221 Birch Hollow Lane")
        first = i
        k = i - 1
        while k >= 0 and i - k <= 4 and not _is_number(words[k]):
            if not (cls._street_name_word(words[k]) or _name_like(words[k])):
                break
            k -= 1
        has_number_before = k >= 0 and _is_number(words[k])
        if has_number_before:
            first = k
        elif k + 1 < i:
            first = k + 1
        if short and not (has_number_before and k < i - 1):
            return []  # "St", "Way", "Place" only as "<number> <name> St"
        # after it: name words and particles, then maybe a number ("Rue de Libya", "Strasse 69")
        last = i
        j = i + 1
        while j < n and j - i <= 4 and cls._street_name_word(words[j]):
            j += 1
        has_number_after = j < n and _is_number(words[j])
        if has_number_after:
            last = j
        elif j > i + 1 and has_number_before:
            last = j - 1
        if not (has_number_before or has_number_after):
            return []
        if first == i and last == i:
            return []
        return [(first, last, 0.6)]

    @classmethod
    def _corner_start(cls, toks: list[tuple[int, int, str]], text: str, first: int) -> int:
        """An intersection reads as one address: "Johan and Askelund 93", "the corner of
        Karu põik 61 and ..."."""
        if first >= 2 and toks[first - 1][2].lower() in {"and", "&"}:
            k = first - 2
            while k >= 0 and first - k <= 5 and cls._street_name_word(toks[k][2]):
                k -= 1
            if k < first - 2:
                return k + 1
        return first

    @classmethod
    def _corner_end(cls, toks: list[tuple[int, int, str]], last: int) -> int:
        """The second street of a corner: "... 49 and Mauer Parkways", "... and Wall Locks St"."""
        n = len(toks)
        if last + 2 < n and toks[last + 1][2].lower() in {"and", "&"}:
            j = last + 2
            while j < n and j - last <= 5 and cls._street_name_word(toks[j][2]):
                lw = toks[j][2].lower().rstrip(".")
                if j > last + 2 and (_street_word(toks[j][2]) or lw in _US_SUFFIXES):
                    return j
                j += 1
        return last

    @staticmethod
    def _block_end(toks: list[tuple[int, int, str]], text: str, last: int) -> int:
        """Run on over the rest of an address block: units, town, region, postcode, country."""
        n = len(toks)
        j = last
        while j + 1 < n and j - last < 10:
            between = text[toks[j][1] : toks[j + 1][0]]
            w = toks[j + 1][2]
            lw = w.lower().rstrip(".")
            postal = re.fullmatch(r"(?=.*\d)(?=.*[a-z])[a-z\d-]{2,8}", lw) is not None  # "BS3"
            line_part = _is_number(w) or w.isupper() or postal or lw in _UNIT_WORDS
            # a sentence ends at punctuation on the word ("Lane. I now"), not at a bullet
            # standing on its own at the start of a line ("\n??? Montreal")
            ends = re.match(r"[^\S\n]*[.!?;:]+\s", between + " ") and not re.fullmatch(
                r"\.?\s*", between
            )
            if ends and not ("\n" in between and line_part):
                break  # a sentence ends ("... Lane. I now live")
            if "." in between and w[:1].islower() and not _rare(w):
                break
            ok = (
                line_part
                or _is_cap(w)
                or lw in _PARTICLES
                or (_rare(w) and "\n" not in between)
                or lw == "nan"
            )
            if not ok:
                break
            j += 1
        # do not end on a word that starts the next sentence or clause of ordinary English
        while j > last and toks[j][2].lower() in _CLAUSE_STARTS:
            j -= 1
        return j


def _abbreviation(words: list[str], k: int) -> bool:
    """A street type cut to a letter or two between the house number and the name ("519 R
    Nossa Senhora Graça", "7475 C/ Eras 47"; R for Rua, C/ for Calle)."""
    w = words[k].rstrip("./")
    return 1 <= len(w) <= 2 and w[:1].isupper() and w.isalpha() and _is_number(words[k - 1])


_SHORT_STREET = frozenset("st dr way place row ring u".split())
_CLAUSE_STARTS = frozenset(
    "i i'm it the we you he she they this that is was for and or but".split()
)


def _name_like(word: str) -> bool:
    """A word that reads as a proper name rather than English: rare in English text (most
    names of most cultures, and street names, are), or a known first name."""
    w = word.lower().strip(".,;:!?\"'()")
    if len(w) < 2 or not w.replace("-", "").replace("'", "").isalpha():
        return False
    return zipf(w) < _RARE_ZIPF or (w in first_names() and zipf(w) < 4.4)


# below this Zipf frequency a capitalised word is more likely a name than an English word
# (3.0: "Steffensen" 1.5, "Hernandez" 3.5 is caught as a census name, "Energy" 5.2 is not)
_RARE_ZIPF = 3.0
_RARE_CAPITALISED = 3.5


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


_RELATIONS = (
    "wife|husband|partner|son|daughter|mum|mom|mother|dad|father|brother|sister|kid|child|"
    "boyfriend|girlfriend|friend|neighbour|neighbor|grandson|granddaughter|nan|nana|grandma|"
    "grandmother|grandad|grandpa|grandfather|aunt|auntie|uncle|nephew|niece|cousin|carer|"
    "colleague|manager|boss|landlord|tenant|lodger|fiancée?|spouse"
)
# after these a name is expected, in any case: lower case only where the cue is strong
_NAME_CUES = re.compile(
    rf"\b(?:(?P<strong>my name is|my name's|name is|name's|name:|names?:|name\?|called|named|"
    rf"call me|ask for|is this|am i speaking (?:to|with)|speaking (?:to|with)|"
    rf"(?:my|our|his|her|their) (?:{_RELATIONS})(?:,)?)|(?P<weak>i'm|i am|this is|it's|it is))"
    rf"\s+",
    re.IGNORECASE,
)


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t\"'(“‘*-•>}|?")
    return not before or before[-1] in ".!?\n"


@recognizer
class ProperNameRecognizer(EntityRecognizer):
    """Names of any culture, where the small spaCy model sees only the ones it was trained
    on: capitalised words that are not English ("Villads Steffensen", "Zaránd R Donka",
    "Willemine W. ten Pas"), with initials and particles between them and a surname after a
    known first name even when it is an English word ("Brad Key"); a lower-case known first
    name with a rare word after it ("silas lorenzen"); and any name after a cue in either
    speaker's turn ("is this", "am I speaking with", "called", "Name:", "my wife"), in lower
    case too where the cue is strong. English-ness is wordfreq's frequency (lexicon.zipf),
    so the list of names is open: no name needs to be known in advance."""

    ENTITY: ClassVar[str] = "PERSON"

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name="ProperNameRecognizer")

    def load(self) -> None:
        return None

    def analyze(self, text, entities, nlp_artifacts=None):
        toks = _tokens(text)
        out = self._capitalised_runs(text, toks, _parsed(nlp_artifacts))
        out += self._lower_case(toks)
        out += self._after_cues(text)
        for m in _LABEL.finditer(text):  # "Lisa: you saved my life" - a pasted transcript
            w = m.group(1)
            if w.lower() in first_names() or _rare(w) or _census_name(w):
                out.append(RecognizerResult(self.ENTITY, m.start(1), m.end(1), 0.45))
        return out

    def _capitalised_runs(self, text, toks, parsed):
        runs: list[list[int]] = []
        for i, (a, _, w) in enumerate(toks):
            joined = bool(runs) and runs[-1][-1] == i - 1
            if joined:
                between = text[toks[i - 1][1] : a]
                if any(c in between for c in ',;:!?\n()"') or between.strip(" .") != "":
                    joined = False
                elif "." in between and len(toks[i - 1][2]) > 1:
                    joined = False  # "... Lane. Then" - not an initial's dot
            lw = w.lower()
            initial = len(w) == 1 and w.isupper() and w != "I"
            opens = (
                lw in _PARTICLES
                and w.islower()
                and i + 1 < len(toks)
                and (_is_cap(toks[i + 1][2]) or toks[i + 1][2].lower() in _PARTICLES)
                and text[toks[i][1] : toks[i + 1][0]] == " "
            )
            if (_is_cap(w) and w.replace("-", "").replace("'", "").replace("’", "").isalpha()) or (
                (initial or lw in _PARTICLES) and (joined or opens)
            ):
                kind = True
            else:
                kind = False
            if not kind:
                continue
            if joined:
                runs[-1].append(i)
            else:
                runs.append([i])
        found: dict[int, tuple[int, int, float]] = {}  # run index -> first, last, score
        for ri, run in enumerate(runs):
            # an organisation named like a person is not one ("Northwind Bank", "Eastside
            # Recoveries", "Financial Ombudsman Service"): its own name is the one word before
            # its organisation words; what comes before that may still be a person's name
            org = len(run)
            while org > 0 and _org_word(toks[run[org - 1]][2]):
                org -= 1
            if org < len(run):
                run = run[: max(0, org - 1)]
                if not run:
                    continue
            words = [toks[i][2] for i in run]
            first_known = [
                w.lower() in first_names()
                and zipf(w.lower()) < 4.4
                and not w.isupper()
                and w.lower() not in NOT_NAMES
                for w in words
            ]
            rare = [_rare(w) for w in words]
            keep = [r or f for r, f in zip(rare, first_known)]
            # two or more name-ish words together: "Felicity Marshall", "Angus Stuart"
            namey = [
                k or (len(w) > 2 and not w.isupper() and _census_name(w))
                for k, w in zip(keep, words)
            ]
            if sum(namey) >= 2:
                keep = namey
            # a surname after a first name or an initial, whatever English makes of it
            for k in range(1, len(words)):
                prev = k - 1
                while prev > 0 and (words[prev].lower() in _PARTICLES or len(words[prev]) == 1):
                    prev -= 1  # past initials and particles: "Willemine W. ten Pas"
                after_first = first_known[prev] or len(words[k - 1]) == 1
                if not keep[k] and keep[prev] and after_first and _is_cap(words[k]):
                    keep[k] = words[k].lower() not in NOT_NAMES
            for k in range(len(words) - 2, -1, -1):  # a known first name before a surname
                lw = words[k].lower()
                nxt = k + 1
                while nxt < len(words) - 1 and (
                    len(words[nxt]) == 1 or words[nxt].lower() in _PARTICLES
                ):
                    nxt += 1  # past an initial, particles: "Carolina G Lombardi", "Kevin van den"
                if not keep[k] and keep[nxt] and lw in first_names() and lw not in NOT_NAMES:
                    keep[k] = True
            for k in range(len(words) - 2, -1, -1):  # a given name before an initial
                nxt = k + 2 if len(words[k + 1]) == 1 and k + 2 < len(words) else k + 1
                if keep[k] or not keep[nxt] or not _given_name_like(words[k]):
                    continue
                lw = words[k].lower()
                census = (lw in first_names() or lw in surnames()) and zipf(lw) < _NAME_ZIPF
                keep[k] = nxt == k + 2 or census  # "Novel M Ermakov", "Muslim Ignatieff"
            for k in range(1, len(words)):  # "David Shimasaki PhD", "Rościsław Jaworski MD"
                if keep[k - 1] and words[k].lower().rstrip(".") in _SUFFIXES:
                    keep[k] = True
            for k in range(1, len(words) - 1):
                if words[k].lower() in _PARTICLES or len(words[k]) == 1:
                    keep[k] = keep[k] or (any(keep[:k]) and any(keep[k + 1 :]))
            k = 0
            while k < len(words) - 1 and words[k].lower() in _PARTICLES:
                k += 1  # "the van der Voet novel": a run that opens with its particles
            if k > 0 and keep[k]:
                keep[:k] = [True] * k
            if not any(keep) and _given_and_surname(words):
                keep = [True] * len(words)  # "Lewis West", "Scott Long": both English words
            if not any(keep):
                continue
            lo = keep.index(True)
            hi = len(keep) - 1 - keep[::-1].index(True)
            core = words[lo : hi + 1]
            if len(core) == 1 and core[0].lower() in NOT_NAMES:
                continue
            score = 0.6 if len(core) > 1 or first_known[lo] else 0.45
            if len(core) == 1 and _sentence_start(text, toks[run[lo]][0]) and not first_known[lo]:
                score = 0.4  # a rare word opening a sentence may be just a rare word
            first = run[lo]
            if first > 0 and toks[first - 1][2].lower().rstrip(".") in _TITLES:
                first -= 1  # "Ms. Valerie Abbott": the title goes with the name
            found[ri] = (first, run[hi], score)
        for ri, run in enumerate(runs):
            if ri not in found and len(run) == 1:
                score = self._lone_name(text, toks, run[0], parsed)
                if score:
                    found[ri] = (run[0], run[0], score)
        # names in a list go together: "Čerkez, Simpson and Scott", "Nina, ... Bryan and Scott"
        for ri, run in enumerate(runs):
            if ri in found or len(run) != 1 or toks[run[0]][2].lower() in NOT_NAMES:
                continue
            for other in (ri - 1, ri + 1):
                if not 0 <= other < len(runs):
                    continue
                named = other in found or any(
                    toks[k][2].lower() in first_names() for k in runs[other]
                )  # "Ole, Michael, Lisa": a known given name, however common, counts
                if not named:
                    continue
                lo_i, hi_i = (runs[other][-1], run[0]) if other < ri else (run[0], runs[other][0])
                between = text[toks[lo_i][1] : toks[hi_i][0]].strip().lower()
                if between in {",", "and", ", and", "&", "or"}:
                    found[ri] = (run[0], run[0], 0.45)
                    break
        return [
            RecognizerResult(self.ENTITY, toks[lo][0], toks[hi][1], score)
            for lo, hi, score in found.values()
        ]

    @staticmethod
    def _lone_name(text, toks, i, parsed) -> float:
        """A capitalised word alone that people are called by ("founders: McDonald, Shields and
        Wagner", "She named him Nate", "Scott is a good listener", "Kat, can I..."): a census
        first name or surname, not a calendar word by a number, English enough to be read as a
        word only where the sentence does not use it as a noun (spaCy's parse): "Will you..."
        and "Grace period" stay."""
        a, b, w = toks[i]
        lw = w.lower()
        if len(w) < 3 or w.isupper() or not w.isalpha() or lw in NOT_NAMES or _org_word(w):
            return 0.0
        if not (lw in first_names() or lw in surnames()) or lw in _DAYS:
            return 0.0
        near = [toks[k][2] for k in (i - 1, i + 1) if 0 <= k < len(toks)]
        if re.fullmatch(MONTHS, lw) and (len(lw) > 4 or any(_is_number(x) for x in near)):
            return 0.0
        start = _sentence_start(text, a)
        dep = parsed.get(a, "")
        nominal = dep in _NOMINAL or (start and text[b : b + 1] == ",")
        z = zipf(lw)
        if z < _CENSUS_ZIPF and (nominal or not start):
            return 0.45 if not start else 0.4
        subject = dep in ("nsubj", "nsubjpass")
        if z < _NAME_ZIPF and nominal and (lw in first_names() or not start or subject):
            return 0.4
        return 0.0

    def _lower_case(self, toks):
        out = []
        for i in range(len(toks) - 1):
            w, nxt = toks[i][2], toks[i + 1][2]
            if not (w.islower() and nxt.islower() and w.isalpha() and nxt.isalpha()):
                continue
            if w in first_names() and zipf(w) < 3.5 and zipf(nxt) < _RARE_ZIPF:
                out.append(RecognizerResult(self.ENTITY, toks[i][0], toks[i + 1][1], 0.45))
        return out

    def _after_cues(self, text):
        out = []
        for m in _NAME_CUES.finditer(text):
            strong = m.group("strong") is not None
            after = _tokens(text[m.end() : m.end() + 80])
            kept: list[tuple[int, int, str]] = []
            for a, b, w in after[:3]:
                lw = w.lower()
                if not w.replace("-", "").replace("'", "").isalpha() or lw in NOT_NAMES:
                    break
                if lw in _CUE_STOP:
                    break
                if not kept:
                    known = lw in first_names() and (zipf(lw) < 4.4 or _is_cap(w) or strong)
                    named = (strong and could_be_name(lw)) or (
                        _is_cap(w) and "name" in m.group(0).lower()  # "last name? Nose"
                    )
                    if not (known or named or _rare(w)):
                        break
                elif not (_is_cap(w) or zipf(lw) < 5.0):
                    break
                kept.append((a, b, w))
                if text[m.end() + b : m.end() + b + 1] in {",", ".", "?", "!"}:
                    break
            if kept:
                a, b = kept[0][0] + m.end(), kept[-1][1] + m.end()
                out.append(RecognizerResult(self.ENTITY, a, b, 0.6 if strong else 0.5))
        return out


_TITLES = frozenset("mr mrs ms miss mx dr prof sir dame".split())
_DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
# a name word's part in its sentence, as spaCy's parser labels it: a noun (subject, object,
# object of a preposition, apposition, one of a list, possessor), not a verb or a modifier
_NOMINAL = frozenset(
    "nsubj nsubjpass dobj iobj pobj dative oprd appos conj attr poss npadvmod".split()
)
# census names rarer in English than this are names wherever they stand; up to _NAME_ZIPF
# ("Scott" 4.7, "Jones" 4.7, "Christian" 4.9) where the sentence uses them as a noun
_CENSUS_ZIPF = 4.4
_NAME_ZIPF = 4.9


_SUFFIXES = frozenset("jr sr ii iii iv phd md dds dvm esq".split())


def _given_and_surname(words: list[str]) -> bool:
    """Two capitalised words that are a census given name and a census surname, however
    common either is in English, maybe an initial between, and nothing else ("Lewis West",
    "Lewis L West"; not "Park Lane")."""
    if len(words) == 3 and len(words[1].rstrip(".")) == 1:
        words = [words[0], words[2]]  # past a middle initial: "Lewis L West"
    if len(words) != 2 or not all(_given_name_like(w) for w in words):
        return False
    first, last = (w.lower() for w in words)
    if _street_word(words[1]) or last in _US_SUFFIXES:
        return False
    return first in first_names() and zipf(first) < _NAME_ZIPF and last in surnames()


def _given_name_like(word: str) -> bool:
    """Could stand before a surname as a given name: capitalised letters, not a title, a
    closed-class word, a calendar word or an organisation word."""
    lw = word.lower().rstrip(".")
    return (
        len(word) > 1
        and _is_cap(word)
        and not word.isupper()
        and word.replace("-", "").isalpha()
        and lw not in NOT_NAMES
        and lw not in _TITLES
        and lw not in _DAYS
        and not re.fullmatch(MONTHS, lw)
        and not _org_word(word)
    )


def _parsed(nlp_artifacts) -> dict[int, str]:
    """Start offset -> dependency label of each spaCy token of the turn ({} without a parse)."""
    doc = getattr(nlp_artifacts, "tokens", None)
    if doc is None:
        return {}
    return {t.idx: t.dep_ for t in doc}


_ORG = frozenset("authority ombudsman commission agency trust foundation association".split())
# a speaker label: at the start of a line, or mid-line after a space or a quote when a quote
# or a space follows it ('Tomáš: "Who are you?" Carmen:"I'm Mark's daughter"')
_LABEL = re.compile(r"(?:^[^\w\n]*|(?<=[\s\"“”]))([A-Z][^\W\d_]+)[ \t]*:(?=[\s\"“”']|$)", re.M)
# words that end a name after a cue ("is this about", "my son called")
_CUE_STOP = frozenset(
    """calling called speaking here again back today about regarding re from at on in with
    who which that what please thanks thank sorry yes yeah no ok okay""".split()
)


def _org_word(word: str) -> bool:
    w = word.lower().rstrip(".,")
    return w in ORG_WORDS or w in ORG_TAIL_WORDS or w in _ORG


def _census_name(word: str) -> bool:
    w = word.lower()
    return (w in first_names() or w in surnames()) and zipf(w) < _CENSUS_ZIPF


def _rare(word: str) -> bool:
    """Rarer in English than a name usually is; a capitalised word gets a higher bar, since
    English capitalises names, not nouns ("Rhys" 3.3, "Talbot" 3.4; "orchestra" 3.9)."""
    w = word.lower().strip("'’-")
    if not w.replace("-", "").replace("'", "").isalpha():
        return False
    return zipf(w) < (_RARE_CAPITALISED if _is_cap(word) else _RARE_ZIPF)


def our_recognizers() -> list[EntityRecognizer]:
    return [cls() for cls in RECOGNIZERS]
