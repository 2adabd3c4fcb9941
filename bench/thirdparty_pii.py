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
