"""A labelled set of contact-centre utterances for the redaction benchmark, written by us.

Each personal value appears spoken (as a caller says it and speech recognition writes it:
numbers as words, digit by digit, "oh", "double") and typed (as in a chat). Values come from
fixed pools with a seeded generator, so the set is the same on every run. Sentences with no
personal data (disclosures, amounts, script lines) measure what redaction must leave alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ORD = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty-first",
    "twenty-second",
    "twenty-third",
    "twenty-fourth",
    "twenty-fifth",
    "twenty-sixth",
    "twenty-seventh",
    "twenty-eighth",
]
FIRST = [
    "Helen",
    "James",
    "Maria",
    "Ravi",
    "Aisha",
    "Peter",
    "Linda",
    "Tomasz",
    "Ngozi",
    "Wei",
    "Siobhan",
    "Mohammed",
    "Priya",
    "Daniel",
    "Olga",
    "Kwame",
    "Fatima",
    "Lukas",
    "Yuki",
    "Carmen",
]
LAST = [
    "Cho",
    "Miller",
    "Gonzalez",
    "Patel",
    "Khan",
    "Walsh",
    "Park",
    "Nowak",
    "Okafor",
    "Zhang",
    "O'Brien",
    "Rahman",
    "Sharma",
    "Reyes",
    "Ivanova",
    "Mensah",
    "Haddad",
    "Becker",
    "Tanaka",
    "Ortiz",
]
STREETS = [
    "Acacia Avenue",
    "Mill Lane",
    "Station Road",
    "Church Street",
    "Oak Drive",
    "Victoria Close",
    "Elm Grove",
    "Park Crescent",
    "High Street",
    "Maple Way",
]
TENS = ["ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]

NON_PERSONAL = [
    "this call may be recorded for quality and training purposes",
    "thank you for calling how can I help you today",
    "your balance is four hundred and twelve pounds",
    "you have fourteen days to cancel without any charge",
    "our fixed plan costs ninety five dollars a month",
    "this is an attempt to collect a debt and any information obtained will be used",
    "is there anything else I can help you with today",
    "I have logged your complaint and we will reply within eight weeks",
    "we can set up a payment plan of fifty dollars a month",
    "the payment has gone through and you will get a confirmation by post",
    "please hold the line while I check that for you",
    "the offer ends on the thirtieth and there is no exit fee",
    "I lost my job last month and I can't afford to pay it all",
    "I would like to make a complaint about a late fee on my account",
    "Thank you for waiting. I have added your number to our do not call list.",
    "You can refer your complaint to the Financial Ombudsman Service.",
    "Your new card will arrive in three to five working days.",
    "We will send you the details of free debt advice services.",
    "It costs $95 a month with no exit fee.",
    "I'm sorry to hear that, let me see what I can do.",
    # organisation names are not personal data, and must not be mistaken for it
    "Thank you for calling Northwind Bank, how can I help?",
    "You're through to Eastside Recoveries customer services.",
    "Brightline Energy will send the contract by email.",
    "Apex Wealth is regulated by the Financial Conduct Authority.",
]


@dataclass(frozen=True)
class Item:
    text: str
    form: str  # spoken | typed | none
    labels: tuple[tuple[str, int, int], ...]  # entity, char start, char end
    # spans that are neither personal nor non-personal (a third-party set's places, dates...)
    ignored: tuple[tuple[str, int, int], ...] = ()


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _luhn_complete(prefix: str) -> str:
    for last in "0123456789":
        digits = prefix + last
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError


def _spell(digits: str, rng: random.Random, groups: int = 4) -> str:
    """Digit by digit, as callers say them: 'oh' for zero sometimes, 'double' sometimes,
    commas between groups sometimes."""
    words, i = [], 0
    while i < len(digits):
        d = digits[i]
        if i + 1 < len(digits) and digits[i + 1] == d and rng.random() < 0.4:
            words.append("double " + ("oh" if d == "0" and rng.random() < 0.5 else UNITS[int(d)]))
            i += 2
        else:
            words.append("oh" if d == "0" and rng.random() < 0.5 else UNITS[int(d)])
            i += 1
        if groups and i % groups == 0 and i < len(digits) and rng.random() < 0.5:
            words[-1] += ","
    return " ".join(words)


def _year(y: int) -> str:
    hi, lo = divmod(y, 100)

    def two(n: int) -> str:
        if n < 10:
            return f"oh {UNITS[n]}"
        if n < 20:
            return TEENS[n - 10]
        t, u = divmod(n, 10)
        return TENS[t - 1] + ("" if u == 0 else f" {UNITS[u]}")

    return f"{two(hi)} {two(lo)}" if lo else f"{two(hi)} hundred"


def build(seed: int = 7, per_entity: int = 12) -> list[Item]:
    rng = random.Random(seed)
    items: list[Item] = []

    def add(template: str, entity: str, spoken: str, typed: str) -> None:
        for form, value in (("spoken", spoken), ("typed", typed)):
            prefix, _, suffix = template.partition("{}")
            text = prefix + value + suffix
            items.append(Item(text, form, ((entity, len(prefix), len(prefix) + len(value)),)))

    for _ in range(per_entity):
        card = _luhn_complete(rng.choice(["4", "5"]) + _digits(rng, 14))
        add(
            rng.choice(
                [
                    "my card number is {}",
                    "the long number on the card is {} thanks",
                    "it's {} on the debit card",
                ]
            ),
            "CREDIT_CARD",
            _spell(card, rng),
            " ".join(card[i : i + 4] for i in range(0, 16, 4)),
        )
        phone = "07" + _digits(rng, 9)
        add(
            rng.choice(["you can reach me on {}", "my number is {}", "call me back on {} please"]),
            "PHONE_NUMBER",
            _spell(phone, rng, 5),
            f"{phone[:5]} {phone[5:]}",
        )
        day, month, year = rng.randrange(1, 29), rng.randrange(12), rng.randrange(1940, 2004)
        add(
            rng.choice(["my date of birth is {}", "I was born on {}", "it's {}"]),
            "DATE_OF_BIRTH",
            f"the {ORD[day - 1]} of {MONTHS[month]} {_year(year)}",
            f"{day:02d}/{month + 1:02d}/{year}",
        )
        first, last = rng.choice(FIRST), rng.choice(LAST)
        # speech recognition does not always capitalise names
        spoken_name = f"{first} {last}" if rng.random() < 0.5 else f"{first} {last}".lower()
        add(
            rng.choice(["my name is {}", "yes this is {} speaking", "it's {} here"]),
            "PERSON",
            spoken_name,
            f"{first} {last}",
        )
        local = f"{first.lower()}.{last.lower().replace(chr(39), '')}{rng.randrange(10, 99)}"
        domain = rng.choice(["example.com", "mail.example.org", "example.co.uk"])
        spoken_local = local.replace(".", " dot ")
        spoken_domain = domain.replace(".", " dot ")
        add(
            rng.choice(["my email is {}", "send it to {} please"]),
            "EMAIL_ADDRESS",
            f"{spoken_local} at {spoken_domain}",
            f"{local}@{domain}",
        )
        area = rng.choice(["SW", "M", "B", "EH", "LS", "CF"])
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        inward = f"{rng.randrange(1, 10)}{rng.choice(letters)}{rng.choice(letters)}"
        pc = f"{area}{rng.randrange(1, 20)} {inward}"
        spoken_pc = " ".join(UNITS[int(c)] if c.isdigit() else c for c in pc.replace(" ", ""))
        add(rng.choice(["my postcode is {}", "the post code is {}"]), "POSTCODE", spoken_pc, pc)
        ssn = _digits(rng, 9)
        add(
            rng.choice(["my social security number is {}", "the social is {}"]),
            "US_SSN",
            _spell(ssn, rng, 0),
            f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}",
        )
        acct = _digits(rng, 8)
        add("my account number is {}", "BANK_ACCOUNT", _spell(acct, rng), acct)
        n = rng.randrange(2, 200)
        street = rng.choice(STREETS)
        spoken_n = " ".join(UNITS[int(c)] for c in str(n))
        add("I live at {}", "STREET_ADDRESS", f"{spoken_n} {street}", f"{n} {street}")
    for line in NON_PERSONAL:
        items.append(Item(line, "none", ()))
    return items
