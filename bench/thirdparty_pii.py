"""Personal data we did not write: presidio-evaluator's sentence generator (faker templates of
chat and support messages, names and addresses of many countries), labelled by the generator.

Seeds 1-5 are the dev seeds (look at failures, tune on them); seeds 101-105 are the test seeds
(report only). presidio-evaluator is installed with `--no-deps`: its declared dependencies
(transformers, scikit-learn, plotly...) serve its model wrappers and plots, not the generator,
which needs only faker, pandas, tqdm and python-dotenv (the `bench` extra).

The values counted are the directly identifying ones; places, organisations, dates, ages,
titles and web domains in the templates are not counted as personal (they are counted as
non-personal words only when not masked, see `IGNORED`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re

from redaction_set import Item

DEV_SEEDS = (1, 2, 3, 4, 5)
TEST_SEEDS = (101, 102, 103, 104, 105)

# presidio-evaluator's entity type -> ours (the value must be masked, whatever the mask says)
COUNTED = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "ZIP_CODE": "POSTCODE",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "US_SSN": "US_SSN",
    "US_DRIVER_LICENSE": "US_DRIVER_LICENSE",
}
# neither personal nor non-personal: masking them is neither a catch nor a false mask
IGNORED = ("GPE", "ORGANIZATION", "DATE_TIME", "TITLE", "NRP", "AGE", "DOMAIN_NAME")


def generate(seed: int, n: int = 400) -> list[Item]:
    """`n` generated sentences (about three in four hold a counted value), one Item each."""
    from presidio_evaluator.data_generator import PresidioSentenceFaker

    logging.getLogger("presidio-evaluator").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.05, random_seed=seed)
        records = faker.generate_new_fake_sentences(num_samples=n)
    items = []
    for r in records:
        # some templates hold a literal backslash-n where a line break is meant; a chat
        # would show a line break (same length, so the generator's spans still fit)
        text = r.full_text.replace("\\n", " \n")
        labels, ignored = [], []
        for s in r.spans:
            if s.entity_type in COUNTED:
                labels.append((COUNTED[s.entity_type], s.start_position, s.end_position))
            elif s.entity_type in IGNORED:
                ignored.append((s.entity_type, s.start_position, s.end_position))
        items.append(Item(text, "typed", tuple(labels), tuple(ignored)))
    return items


_ONES = "zero one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _two(n: int) -> str:
    if n < 10:
        return _ONES[n]
    if n < 20:
        return _TEENS[n - 10]
    return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])


def _say_number(digits: str) -> str:
    """As people read numbers out: "58" fifty eight, "221" two twenty one, "1982" nineteen
    eighty two, anything longer digit by digit ("oh" for a zero, as callers say it)."""
    if len(digits) <= 2 and not digits.startswith("0"):
        return _two(int(digits))
    if len(digits) == 3 and not digits.startswith("0"):
        return f"{_ONES[int(digits[0])]} {_say_pair(digits[1:])}"
    if len(digits) == 4 and not digits.startswith("0"):
        return f"{_two(int(digits[:2]))} {_say_pair(digits[2:])}"
    return " ".join("oh" if d == "0" else _ONES[int(d)] for d in digits)


def _say_pair(pair: str) -> str:
    return f"oh {_ONES[int(pair[1])]}" if pair[0] == "0" else _two(int(pair))


def _say_token(token: str) -> str:
    core = token.rstrip(".,?!;:")
    tail = token[len(core) :]  # a sentence's full stop stays one, after the last word
    if "@" in core:  # jsmith@mail.com: j smith at mail dot com
        core = core.replace("@", " at ").replace(".", " dot ").replace("_", " underscore ")
    if re.fullmatch(r"\d+(?:\.\d+){3}", core):  # an IPv4 address is read with "dot"
        core = core.replace(".", " dot ")
    core = re.sub(r"(?<=\d)[-/.](?=\d)|[()+]", " ", core)
    said = re.sub(r"\d+", lambda m: f" {_say_number(m.group(0))} ", core).strip()
    return said + tail


def _split_at_values(item: Item) -> Item:
    """A value glued to other characters in the written template ("?%//!%20\\|45.28.253.71|")
    is said as words of its own: a space goes in at each edge of a value that falls inside a
    token, so the value alone is read out (an IP address with its "dot"s) and labelled."""
    spans = item.labels + item.ignored
    text = item.text
    cuts = sorted(
        {
            p
            for _, a, b in spans
            for p in (a, b)
            if 0 < p < len(text) and not text[p - 1].isspace() and not text[p].isspace()
        }
    )
    if not cuts:
        return item
    pieces = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)])]

    def move(e: str, a: int, b: int) -> tuple[str, int, int]:
        return e, a + sum(p <= a for p in cuts), b + sum(p < b for p in cuts)

    return Item(
        " ".join(pieces),
        item.form,
        tuple(move(*x) for x in item.labels),
        tuple(move(*x) for x in item.ignored),
    )


def spoken(item: Item) -> Item:
    """The sentence as a speech recogniser would write a caller saying it: numbers in words,
    "at" and "dot" in emails; the labels follow their words."""
    item = _split_at_values(item)
    out, where = [], {}
    pos = 0
    for m in re.finditer(r"\S+", item.text):
        said = " ".join(_say_token(m.group(0)).split()) or m.group(0)
        if out:
            pos += 1
        where[m.start()] = (pos, pos + len(said), m.end())
        out.append(said)
        pos += len(said)
    text = " ".join(out)
    starts = sorted(where)

    def move(a: int, b: int) -> tuple[int, int]:
        first = max((s for s in starts if s <= a), default=starts[0])
        last = max((s for s in starts if s < b), default=first)
        return where[first][0], where[last][1]

    labels = tuple((e, *move(a, b)) for e, a, b in item.labels)
    ignored = tuple((e, *move(a, b)) for e, a, b in item.ignored)
    return Item(text, "spoken", labels, ignored)
