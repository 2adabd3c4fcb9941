"""Redaction on spoken and typed transcripts: what must be masked, what must survive, the
audit, mask styles, and failing closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner import ScanOptions, scan
from scanner.redact import RedactOptions, Redactor
from scanner.spoken import spoken_form
from scanner.types import Interaction, Turn


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("four nine two nine, one two three four", "4929, 1234"),
        ("oh seven seven zero zero, nine double zero, one two three", "07700, 900, 123"),
        ("the fourth of March nineteen eighty two", "the 4th of March 1982"),
        ("four hundred and twelve pounds", "412 pounds"),
        ("Oh, I see. One moment", "Oh, I see. 1 moment"),
        ("born 14/02/1990, fine", "born 14/02/1990, fine"),
        ("triple five two", "5552"),
        # "oh" after an address's "dot" and among spelled letters is a zero
        ("ten dot one oh seven dot oh dot thirty", "10 dot 107 dot 0 dot 30"),
        ("it was T oh K one", "it was T 0 K 1"),
    ],
)
def test_spoken_numbers_become_digits(words: str, expected: str) -> None:
    assert spoken_form(words.split()).text == expected


def test_spoken_form_maps_back_to_words() -> None:
    st = spoken_form(["my", "card", "is", "four", "nine", "two", "nine,", "one"])
    start = st.text.index("4929")
    assert st.words_in(start, start + 4) == [3, 4, 5, 6]


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def chat(*turns: tuple[str, str]) -> Interaction:
    return Interaction.from_turns([Turn(s, t) for s, t in turns])


def masked(redactor: Redactor, *turns: tuple[str, str]) -> list[str]:
    return [t.text for t in redactor.redact(chat(*turns)).turns]


@pytest.mark.parametrize(
    ("said", "entity", "gone"),
    [
        (
            "My card number is four nine two nine one two three four "
            "five six seven eight nine zero one two",
            "CREDIT_CARD",
            "four",
        ),
        # one digit misheard: the checksum fails, the card is still masked
        ("card number 4929 1234 5678 9013", "CREDIT_CARD", "9013"),
        ("Call me on oh seven seven zero zero nine double zero one two three", "NUMBER", "seven"),
        ("My date of birth is the fourth of March nineteen eighty two", "DATE_OF_BIRTH", "March"),
        ("My postcode is S W one A, one A A", "POSTCODE", "S W"),
        ("My email is helen dot cho eighty two at example dot com", "EMAIL_ADDRESS", "example"),
        ("Email me at helen.cho82@example.com please", "EMAIL_ADDRESS", "helen.cho82"),
        (
            "My social security number is one two three, four five, six seven eight nine",
            "US_SSN",
            "six",
        ),
        ("I live at 42 Acacia Avenue", "STREET_ADDRESS", "Acacia"),
        ("My name is Helen Cho", "PERSON", "Cho"),
        ("My national insurance number is AB 12 34 56 C", "UK_NINO", "AB"),
    ],
)
def test_personal_values_are_masked(redactor: Redactor, said: str, entity: str, gone: str) -> None:
    red = redactor.redact(chat(("customer", said)))
    text = red.turns[0].text
    assert gone not in text, text
    assert entity in {s.entity for s in red.spans}, red.spans


def test_cvv_only_when_asked_for(redactor: Redactor) -> None:
    out = masked(
        redactor,
        ("agent", "What is the security code on the back of the card?"),
        ("customer", "It's 123."),
    )
    assert "123" not in out[1]
    assert masked(redactor, ("agent", "You have 123 points."))[0] == "You have 123 points."


def test_a_name_seen_once_is_masked_everywhere(redactor: Redactor) -> None:
    out = masked(
        redactor, ("customer", "My name is Helen Cho."), ("agent", "Thanks Cho, and Helen?")
    )
    assert "Cho" not in out[1] and "Helen" not in out[1]


def test_disclosures_and_amounts_survive(redactor: Redactor) -> None:
    keep = [
        "This call may be recorded for quality and training purposes.",
        "You have fourteen days to cancel without any charge.",
        "Our fixed plan costs $95 a month.",
        "This is an attempt to collect a debt and any information obtained will be used.",
        "Is there anything else I can help you with today?",
        "I want to make a complaint. This offer ends today, so you need to decide now.",
    ]
    for line in keep:
        assert masked(redactor, ("agent", line))[0] == line


def test_mask_styles(tmp_path: Path) -> None:
    it = chat(("customer", "My name is Helen Cho."), ("agent", "Thanks Helen Cho."))
    pseudo = Redactor(RedactOptions(style="pseudonym")).redact(it)
    assert (
        pseudo.turns[0].text == "My name is PERSON_1."
        and pseudo.turns[1].text == "Thanks PERSON_1."
    )
    plain = Redactor(RedactOptions(style="redacted")).redact(it)
    assert plain.turns[0].text == "My name is [REDACTED]."


def test_audit_names_detector_score_and_borderline_without_values(redactor: Redactor) -> None:
    red = redactor.redact(chat(("customer", "card number 4929 1234 5678 9013")))
    audit = red.audit(0.5)
    span = audit["spans"][0]
    assert span["entity"] == "CREDIT_CARD" and span["detector"] == "TranscriptCardRecognizer"
    assert set(span) == {
        "entity",
        "turn",
        "start",
        "end",
        "first_word",
        "words",
        "detector",
        "score",
        "borderline",
    }
    assert "4929" not in json.dumps(audit)
    assert (span["first_word"], span["words"]) == (2, 4)  # "card number" come first


@pytest.mark.slow
def test_redaction_failure_writes_no_text(tmp_path: Path) -> None:
    """Fail closed: presidio refuses an entity it has no recognizer for; the interaction is
    reported failed and nothing of its text reaches the disk."""
    chat_file = tmp_path / "c.txt"
    chat_file.write_text("Agent: Hello Helen Cho, this call may be recorded.\nCustomer: Hi.\n")
    out = tmp_path / "out"
    summary = scan([chat_file], out, ScanOptions(redact=RedactOptions(entities=("NO_SUCH_TYPE",))))
    assert not summary.results[0].ok
    doc = json.loads((out / "c.json").read_text())
    assert doc["status"] == "failed" and doc["errors"][0]["code"] == "redaction-failed"
    assert "no text of this interaction was written" in doc["errors"][0]["message"]
    assert doc["transcript"]["text"] == "none"
    body = "".join(p.read_bytes().decode("utf-8", "replace") for p in out.iterdir())
    assert "Helen" not in body and "Hello" not in body


@pytest.mark.parametrize(
    ("said", "gone"),
    [
        # names no English model or census list knows, with initials and particles
        ("Hi, is this Siobhán Ní Bhriain?", ["Siobhán", "Bhriain"]),
        ("Put it under Oluwaseun K. Adeyemi-Bakare please", ["Oluwaseun", "Adeyemi-Bakare"]),
        ("the account holder is Jan-Willem van der Berg", ["Jan-Willem", "Berg"]),
        ("We have three kids: Thandiwe, Bartholomew and Grace.", ["Thandiwe", "Grace"]),
        ("my husband ravi shankar set it up", ["ravi", "shankar"]),
        ("Name: Brad Key", ["Brad", "Key"]),
        # typed messages keep their lines: a pasted exchange, an address block
        ('Tomas: "Who are you?"\nCarmen:"I\'m his daughter".', ["Carmen", "Carmen:\"I'm"]),
        (
            "Lara Simonds\n27868 Kapelaniestraat 88\nApt. 873\nLeugnies\nBelgium 69169",
            ["Simonds", "Kapelaniestraat", "873", "Leugnies", "69169"],
        ),
        ("the keynote is Carolina G Lombardi from Chinook", ["Carolina", "Lombardi"]),
        ("songwriter Ms. Valerie Abbott employs", ["Ms.", "Valerie", "Abbott"]),
        # addresses of several countries and the rest of their block
        ("the clubs were on Chloupková Drive", ["Chloupková", "Drive"]),
        ("Send it to Kollenveien 58, 0566 Oslo, Norway.", ["Kollenveien", "58", "Oslo"]),
        ("It's 69 boulevard Aristide Briand, 92100 Boulogne", ["Aristide", "Briand", "92100"]),
        ("new address: Via Garibaldi 12, Torino", ["Garibaldi", "12", "Torino"]),
        ("I moved to Apt. 221, 4 Birchwood Crescent", ["221", "Birchwood"]),
        ("my postal code is K1A 0B1", ["K1A", "0B1"]),
        ("the zip code is 2211 WK", ["2211", "WK"]),
        ("meet at the corner of 94 Watson Street and Tekla Village", ["Watson", "Tekla"]),
        # as a speech recogniser writes them
        ("it's fernanda ricci at cuvox dot de", ["ricci", "cuvox"]),
        (
            "my IBAN is GB ninety eight JQCA nine nine seven nine nine nine nine three oh seven "
            "eight three one five",
            ["GB", "JQCA"],
        ),
        ("licence number s six eight oh eight six four one seven", ["s"]),
        ("my IP is two oh three dot one sixty dot one thirty four dot one eighty five", ["dot"]),
        ("its jsmith(at)gmail(dot)com", ["jsmith(at)gmail(dot)com"]),
        ("card 4929 1234 5678 9012 exp 04/27", ["04/27"]),
        # a name alone, however common the word, where the sentence uses it as a name
        ("Our founders were Thompson, Burns and Wagner.", ["Thompson,", "Burns", "Wagner."]),
        ("We'll pass it to Campbell tomorrow", ["Campbell"]),
        ("Scott said he would ring back.", ["Scott"]),
        ("the letter from the van der Meulen family", ["van", "der", "Meulen"]),
        ("Signed by Adaeze Okafor MD yesterday", ["Adaeze", "Okafor", "MD"]),
        ("it is for Lewis West, not me", ["Lewis", "West,"]),
        # house numbers before abbreviated street types, particles inside place names
        ("Send it to 144 R Augusta 12, Lisboa", ["144", "R", "Augusta", "12,"]),
        ("I'm at 8 C/ Mayor 5, Sevilla", ["8", "C/", "Mayor"]),
        ("Pärnu maantee 22, Tallinn", ["Pärnu", "maantee", "22,"]),
        ("the flat on Széchenyi u. 4. is empty", ["Széchenyi", "u.", "4."]),
        ("we live at 1590 Cerro Largo y Ejido, Montevideo", ["1590", "y", "Ejido,"]),
        ("the office in Wrocław 50-001 moved", ["50-001"]),
        ("write to Ottawa ON K2P 1L4", ["K2P", "1L4"]),
        # a phone's extension, an IPv6 address read out
        ("call 020 7946 0321 x 4417", ["4417"]),
        ("it shows 2a01 : 4f8 : c17 : 9b : 12 : 1 blocked", ["2a01", "4f8", "c17", "1"]),
    ],
)
def test_names_and_addresses_of_many_countries(
    redactor: Redactor, said: str, gone: list[str]
) -> None:
    text = masked(redactor, ("customer", said))[0]
    for word in gone:
        assert word not in text.split() and f"{word}," not in text, text


@pytest.mark.parametrize(
    "said",
    [
        "Thank you for calling Harbour Energy, you're speaking with [agent].",
        "You can refer your complaint to the Financial Ombudsman Service.",
        "Thank you for calling Northwind Bank, how can I help?",
        "Everything on this line gets recorded for training and quality.",
        "Will you send the form back in April?",
        "Mark the date: the grace period ends on Friday.",
    ],
)
def test_organisations_and_wording_are_not_names(redactor: Redactor, said: str) -> None:
    assert masked(redactor, ("agent", said))[0] == said
