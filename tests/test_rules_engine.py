"""The rule engine, matcher by matcher and condition by condition, on small interactions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from scanner.errors import RulePackError
from scanner.matchers import NormText, norm_phrase
from scanner.rules import RuleSet, scorecard
from scanner.rules_schema import load_pack
from scanner.spoken import spoken_form
from scanner.types import Interaction, Metadata, RuleResult, Turn, Word


def interaction(
    turns: list[tuple],
    medium: str = "voice",
    meta: dict | None = None,
    duration: float | None = None,
) -> Interaction:
    """Turns as (speaker, text) or (speaker, text, start) or (speaker, text, start, words)."""
    built = []
    for t in turns:
        speaker, text = t[0], t[1]
        start = t[2] if len(t) > 2 else None
        words = t[3] if len(t) > 3 else ()
        end = start + 3.0 if start is not None else None
        built.append(Turn(speaker, text, start, end, tuple(words)))
    return Interaction.from_turns(
        built,
        medium=medium,  # type: ignore[arg-type]
        metadata=Metadata(**(meta or {})),
        duration=duration,
    )


def pack(tmp_path: Path, rules_yaml: str) -> RuleSet:
    body = "pack: t\nversion: 1.0.0\nrules:\n" + textwrap.indent(textwrap.dedent(rules_yaml), "  ")
    f = tmp_path / "pack.yaml"
    f.write_text(body)
    return RuleSet([load_pack(f)])


def one(rs: RuleSet, it: Interaction, rule: str | None = None) -> RuleResult:
    results = rs.evaluate(it, quotes=True)
    return next(r for r in results if rule is None or r.rule == rule)


REQ = """
- id: r
  category: disclosure
  kind: required
  severity: high
  message: m
  {extra}
  match: {match}
"""


def req(tmp_path: Path, match: str, extra: str = "") -> RuleSet:
    return pack(tmp_path, REQ.format(match=match, extra=extra))


# ---- normalisation and matchers ---------------------------------------------------------


def test_normalisation_spells_out_contractions_and_numbers() -> None:
    assert norm_phrase("You're") == ("you", "are")
    assert norm_phrase("can't") == ("can", "not")
    assert norm_phrase("FOURTEEN") == ("14",)
    assert norm_phrase("1,200.") == ("1200",)
    assert norm_phrase("customer's") == ("customer",)
    assert norm_phrase("e-mail") == ("e", "mail")
    nt = NormText.from_words(["You've", "got", "14", "days"])
    assert nt.tokens == ("you", "have", "got", "14", "days")
    assert nt.word_of == (0, 0, 1, 2, 3)


def test_rules_and_redaction_share_one_spoken_number_normaliser() -> None:
    """ "nineteen eighty two" is 1982 for rules as for redaction, and the token remembers
    all three words it came from."""
    words = "born in nineteen eighty two, four hundred and twelve pounds".split()
    nt = NormText.from_words(words)
    assert nt.tokens == ("born", "in", "1982", "412", "pounds")
    assert nt.word_span(2, 3) == (2, 4) and nt.word_span(3, 4) == (5, 8)
    assert "1982" in spoken_form(words).text


def test_phrase_matches_through_case_punctuation_and_numbers(tmp_path: Path) -> None:
    rs = req(tmp_path, '{phrase: "you have fourteen days to cancel"}')
    assert one(rs, interaction([("agent", "You've 14 days to cancel!")])).outcome == "passed"
    assert one(rs, interaction([("agent", "You have 30 days to cancel")])).outcome == "failed"


def test_similar_tolerates_recognition_errors_but_not_negation(tmp_path: Path) -> None:
    rs = req(tmp_path, '{similar: "this call may be recorded", threshold: 85}')
    assert one(rs, interaction([("agent", "this call maybe recorded")])).outcome == "passed"
    rs2 = req(tmp_path, '{similar: "we will not call you again", threshold: 80}')
    res = one(rs2, interaction([("agent", "we will call you again tomorrow")]))
    assert res.outcome == "failed"


def test_regex_is_re2_and_maps_to_words(tmp_path: Path) -> None:
    rs = req(tmp_path, "{regex: '\\b(ref|reference) number is [a-z]*\\d+'}")
    it = interaction([("agent", "Your reference number is CR55102 thanks")])
    res = one(rs, it)
    assert res.outcome == "passed"
    assert res.evidence[0].quote == "reference number is CR55102"


def test_regex_with_backtracking_constructs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulePackError) as info:
        req(tmp_path, "{regex: '(a+)\\1'}")
    assert "not valid RE2" in str(info.value) and "pack.yaml:" in str(info.value)


def test_a_pathological_pattern_stays_linear(tmp_path: Path) -> None:
    rs = req(tmp_path, "{regex: '(a+)+b'}")
    res = one(rs, interaction([("agent", "a" * 20000 + "c")]))  # catastrophic in re
    assert res.outcome == "failed"


def test_words(tmp_path: Path) -> None:
    rs = req(tmp_path, "{words: [ombudsman, regulator]}")
    assert one(rs, interaction([("agent", "You can go to the Ombudsman.")])).outcome == "passed"
    assert one(rs, interaction([("agent", "You can go away.")])).outcome == "failed"


def test_near_within_n_words(tmp_path: Path) -> None:
    rs = req(tmp_path, "{near: [complaint, reference], within: 3}")
    assert one(rs, interaction([("agent", "your complaint has a reference")])).outcome == "passed"
    far = "your complaint is logged and we will send a reference later"
    assert one(rs, interaction([("agent", far)])).outcome == "failed"


def test_any_all_not(tmp_path: Path) -> None:
    rs = req(tmp_path, "{all: [{phrase: my name is}, {not: {phrase: calling from}}]}")
    assert one(rs, interaction([("agent", "hi my name is Ann")])).outcome == "passed"
    assert one(rs, interaction([("agent", "my name is Ann calling from X")])).outcome == "failed"
    rs2 = req(tmp_path, "{any: [{phrase: hello}, {phrase: good morning}]}")
    assert one(rs2, interaction([("agent", "Good morning!")])).outcome == "passed"


# ---- conditions -------------------------------------------------------------------------


def test_speaker_condition_and_reason(tmp_path: Path) -> None:
    rs = req(tmp_path, "{phrase: call is recorded}", "speaker: agent")
    res = one(rs, interaction([("customer", "is this call is recorded?", 0.0)]))
    assert res.outcome == "failed"
    assert "said by the customer, not the agent" in res.reason
    assert res.near_miss is not None and res.near_miss.turn == 0


def test_windows_in_seconds_and_turns(tmp_path: Path) -> None:
    rs = req(tmp_path, "{phrase: recorded}", "window: {first_seconds: 30}")
    assert one(rs, interaction([("agent", "recorded", 10.0)])).outcome == "passed"
    late = one(rs, interaction([("agent", "hi", 0.0), ("agent", "recorded", 40.0)]))
    assert late.outcome == "failed" and "at 40.0 s, after the first 30 s" in late.reason
    rs2 = req(tmp_path, "{phrase: bye}", "window: {last_seconds: 10}")
    call = [("agent", "bye", 0.0), ("agent", "x", 50.0)]
    assert one(rs2, interaction(call)).outcome == "failed"
    assert one(rs2, interaction([("agent", "x", 0.0), ("agent", "bye", 50.0)])).outcome == "passed"
    rs3 = req(tmp_path, "{phrase: hello}", "window: {first_turns: 1}")
    assert one(rs3, interaction([("agent", "hi"), ("agent", "hello")])).outcome == "failed"
    rs4 = req(tmp_path, "{phrase: bye}", "window: {last_turns: 1}")
    assert one(rs4, interaction([("agent", "bye"), ("agent", "ok")])).outcome == "failed"


def test_percent_window_on_timed_and_untimed(tmp_path: Path) -> None:
    rs = req(tmp_path, "{phrase: recorded}", "window: {first_percent: 25}")
    timed = [("agent", "hi", 0.0), ("agent", "recorded", 50.0)]
    assert one(rs, interaction(timed, duration=100.0)).outcome == "failed"
    assert one(rs, interaction([("agent", "recorded", 20.0)], duration=100.0)).outcome == "passed"
    untimed = [("agent", "recorded")] + [("customer", "x")] * 7
    assert one(rs, interaction(untimed, medium="chat")).outcome == "passed"
    untimed_late = [("customer", "x")] * 7 + [("agent", "recorded")]
    assert one(rs, interaction(untimed_late, medium="chat")).outcome == "failed"


def test_seconds_windows_do_not_apply_to_untimed_chats(tmp_path: Path) -> None:
    rs = req(tmp_path, "{phrase: recorded}", "window: {first_seconds: 5}")
    chat = [("customer", "x")] * 5 + [("agent", "recorded")]
    assert one(rs, interaction(chat, medium="chat")).outcome == "passed"


def test_channel_and_metadata_preconditions(tmp_path: Path) -> None:
    rs = req(tmp_path, "{phrase: hello}", "channel: voice")
    res = one(rs, interaction([("agent", "hi")], medium="chat"))
    assert res.outcome == "not_applicable" and "voice interactions only" in res.reason
    rs2 = req(
        tmp_path,
        "{phrase: hello}",
        "applies_when: {metadata: {campaign: [collections, recoveries]}}",
    )
    assert (
        one(rs2, interaction([("agent", "hi")], meta={"campaign": "sales"})).outcome
        == "not_applicable"
    )
    assert (
        one(rs2, interaction([("agent", "hi")], meta={"campaign": "collections"})).outcome
        == "failed"
    )


ORDERED = """
- id: verify
  category: script
  kind: required
  severity: high
  message: m
  match: {phrase: date of birth}
- id: details
  category: script
  kind: required
  severity: high
  message: m
  after: verify
  match: {phrase: your balance}
"""


def test_after_another_rule(tmp_path: Path) -> None:
    rs = pack(tmp_path, ORDERED)
    ok = interaction([("agent", "your date of birth?"), ("agent", "your balance is 5")])
    assert one(rs, ok, "details").outcome == "passed"
    bad = interaction([("agent", "your balance is 5"), ("agent", "your date of birth?")])
    res = one(rs, bad, "details")
    assert res.outcome == "failed" and "before 'verify'" in res.reason
    never = one(rs, interaction([("agent", "your balance is 5")]), "details")
    assert "'verify' never happened" in never.reason


COND = """
- id: c
  category: customer-protection
  kind: conditional
  severity: high
  message: m
  when: {speaker: customer, match: {phrase: complain}}
  then: {speaker: agent, within_turns: 2, within_seconds: 60, match: {phrase: reference}}
"""


def test_conditional_within_turns_and_seconds(tmp_path: Path) -> None:
    rs = pack(tmp_path, COND)
    ok = interaction([("customer", "I complain", 0.0), ("agent", "your reference is 1", 5.0)])
    res = one(rs, ok)
    assert res.outcome == "passed" and [e.turn for e in res.evidence] == [0, 1]
    far = [("customer", "I complain", 0.0)] + [("agent", "hmm", 5.0 * i) for i in range(1, 4)]
    far.append(("agent", "your reference", 30.0))
    res = one(rs, interaction(far))
    assert res.outcome == "failed" and "4 turns away" in res.reason
    slow = interaction([("customer", "I complain", 0.0), ("agent", "reference", 100.0)])
    assert "100 s away" in one(rs, slow).reason
    assert one(rs, interaction([("customer", "hello")])).outcome == "not_applicable"
    wrong_side = interaction([("customer", "I complain", 0.0), ("customer", "reference?", 3.0)])
    assert one(rs, wrong_side).outcome == "failed"


def test_conditional_before(tmp_path: Path) -> None:
    rs = pack(tmp_path, COND.replace("within_turns: 2, within_seconds: 60,", "direction: before,"))
    assert (
        one(rs, interaction([("agent", "reference"), ("customer", "I complain")])).outcome
        == "passed"
    )
    assert (
        one(rs, interaction([("customer", "I complain"), ("agent", "reference")])).outcome
        == "failed"
    )


# ---- outcomes ---------------------------------------------------------------------------


def test_needs_review_just_under_the_threshold(tmp_path: Path) -> None:
    rs = req(tmp_path, '{similar: "this call may be recorded", threshold: 99}')
    res = one(rs, interaction([("agent", "this call maybe recorded")]))  # scores 98
    assert res.outcome == "needs_review" and "just under 99" in res.reason


def test_needs_review_when_words_were_unsure(tmp_path: Path) -> None:
    rs = req(tmp_path, "{phrase: call is recorded}")
    words = [
        Word("call", 0.0, 0.3, 0.2),
        Word("is", 0.3, 0.5, 0.3),
        Word("recorded", 0.5, 1.0, 0.25),
    ]
    res = one(rs, interaction([("agent", "call is recorded", 0.0, words)]))
    assert res.outcome == "needs_review" and "low confidence" in res.reason
    assert res.evidence[0].word_confidence == pytest.approx(0.25)
    assert res.evidence[0].start == 0.0 and res.evidence[0].end == 1.0


def test_prohibited(tmp_path: Path) -> None:
    rs = pack(
        tmp_path,
        REQ.format(match="{phrase: decide now}", extra="").replace("required", "prohibited"),
    )
    res = one(rs, interaction([("agent", "hello"), ("agent", "you must decide now")]))
    assert res.outcome == "failed" and res.evidence[0].turn == 1
    assert one(rs, interaction([("agent", "take your time")])).outcome == "passed"


def test_quotes_only_when_allowed(tmp_path: Path) -> None:
    rs = req(tmp_path, "{phrase: hello}")
    it = interaction([("agent", "hello there")])
    assert rs.evaluate(it, quotes=False)[0].evidence[0].quote is None
    assert rs.evaluate(it, quotes=True)[0].evidence[0].quote == "hello"


def test_scorecard_weights(tmp_path: Path) -> None:
    rs = pack(
        tmp_path,
        ORDERED.replace(
            "  match: {phrase: your balance}", "  weight: 3\n  match: {phrase: your balance}"
        ),
    )
    res = rs.evaluate(interaction([("agent", "your date of birth?")]))
    card = scorecard(res)
    assert card["overall"]["score"] == 25.0  # 1 of 4 weight passed
    assert card["categories"]["script"]["failed"] == 1


# ---- the language's errors --------------------------------------------------------------


def test_schema_errors_name_file_line_and_path(tmp_path: Path) -> None:
    f = tmp_path / "pack.yaml"
    f.write_text(
        textwrap.dedent("""\
        pack: core
        version: 1.0.0
        rules:
          - id: recording-disclosure
            category: disclosure
            kind: required
            severity: high
            message: m
            match: hello
          - id: x
            category: disclosure
            kind: required
            severity: urgent
            message: m
            window:
              frist_seconds: 30
            match:
              any:
                - similar: hi
                  treshold: 80
          - id: y
            category: script
            kind: conditional
            severity: low
            message: m
            match: hi
        """)
    )
    with pytest.raises(RulePackError) as info:
        load_pack(f)
    lines = str(info.value).splitlines()
    assert (
        lines[0]
        == f"{f}:13 [rules -> 1 -> severity] input should be 'low', 'medium', 'high' or 'critical'"
    )
    assert lines[1] == f"{f}:16 [rules -> 1 -> window] unknown key 'frist_seconds'"
    assert lines[2] == f"{f}:20 [rules -> 1 -> match -> any -> 0] unknown key 'treshold'"
    assert lines[3].startswith(
        f"{f}:21 [rules -> 2] a conditional rule needs both 'when' and 'then'"
    )


def test_yaml_syntax_and_references(tmp_path: Path) -> None:
    f = tmp_path / "pack.yaml"
    f.write_text("pack: a\nversion: 1.0.0\nrules:\n  - id: [unclosed\n")
    with pytest.raises(RulePackError, match=r"pack.yaml:\d+ invalid YAML"):
        load_pack(f)
    with pytest.raises(RulePackError, match="refers to unknown rule 'nope'"):
        pack(tmp_path, ORDERED.replace("after: verify", "after: nope"))
    with pytest.raises(RulePackError, match="is used twice"):
        pack(tmp_path, ORDERED.replace("id: details", "id: verify"))


# ---- model-backed matchers: spaCy lemmas and token patterns, sentence embeddings ----------


def test_lemma_matches_inflected_forms(tmp_path: Path) -> None:
    rs = req(tmp_path, "{lemma: record call}")
    res = one(rs, interaction([("agent", "We are recording calls for training.")]))
    assert res.outcome == "passed" and res.evidence[0].quote == "recording calls"
    assert one(rs, interaction([("agent", "We recorded the conversation.")])).outcome == "failed"


def test_spacy_token_patterns_are_validated_and_matched(tmp_path: Path) -> None:
    rs = req(
        tmp_path, '{tokens: [{LEMMA: record}, {OP: "?"}, {LOWER: {IN: [call, conversation]}}]}'
    )
    res = one(rs, interaction([("agent", "We recorded the conversation.")]))
    assert res.outcome == "passed" and res.evidence[0].quote == "recorded the conversation."
    with pytest.raises(
        RulePackError,
        match=r"pack.yaml:\d+ \[rules -> 0 -> match -> tokens\] not a valid spaCy token pattern",
    ):
        req(tmp_path, "{tokens: [{LEMA: record}]}")


def test_semantic_similarity_to_example_sentences(tmp_path: Path) -> None:
    rs = req(
        tmp_path, '{semantic: ["I want to make a complaint about your service"], threshold: 0.5}'
    )
    res = one(
        rs,
        interaction([("customer", "Hello. I am not happy with the service and want to complain.")]),
    )
    assert res.outcome == "passed"
    assert res.evidence[0].quote == "I am not happy with the service and want to complain."
    assert res.evidence[0].score >= 50
    miss = one(rs, interaction([("customer", "What time do you open tomorrow?")]))
    assert miss.outcome == "failed" and miss.near_miss is not None and miss.near_miss.score < 30


def test_sentence_encoder_separates_paraphrases_from_unrelated_sentences() -> None:
    from scanner.embed import encoder

    v = encoder().encode(
        [
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "The girl is carrying a baby.",
        ]
    )
    assert float(v[0] @ v[1]) > 0.6  # paraphrase
    assert abs(float(v[0] @ v[2])) < 0.2  # unrelated
    assert np.allclose((v**2).sum(axis=1), 1.0, atol=1e-5)


# ---- fields of words: negation, questions, offers, names, money, across turns --------------


def test_words_with_endings_and_longest_terms(tmp_path: Path) -> None:
    rs = req(tmp_path, "{words: [record*, payment plan, plan]}")
    res = one(rs, interaction([("agent", "Your calls are RECORDED here.")]))
    assert res.outcome == "passed" and res.evidence[0].quote == "RECORDED"
    res = one(rs, interaction([("agent", "We offer a payment plan.")]))
    assert res.evidence[0].quote == "payment plan."  # the longest term, not "plan" alone


def test_affirmed_drops_negated_hits_in_the_same_clause(tmp_path: Path) -> None:
    rs = req(tmp_path, "{affirmed: {near: [{words: [call]}, {words: [record*]}], within: 4}}")
    assert one(rs, interaction([("agent", "This call is being recorded.")])).outcome == "passed"
    assert one(rs, interaction([("agent", "This call isn't being recorded.")])).outcome == "failed"
    ok = "No worries, this call is recorded."  # a negation in another clause does not count
    assert one(rs, interaction([("agent", ok)])).outcome == "passed"


def test_statement_drops_questions_with_or_without_a_question_mark(tmp_path: Path) -> None:
    rs = req(tmp_path, "{statement: {words: [balance]}}")
    assert one(rs, interaction([("agent", "Your balance is ten pounds.")])).outcome == "passed"
    assert one(rs, interaction([("agent", "What is the balance you see?")])).outcome == "failed"
    assert one(rs, interaction([("agent", "can you read me the balance")])).outcome == "failed"


def test_except_drops_hits_near_an_exception_in_the_same_sentence(tmp_path: Path) -> None:
    rs = req(tmp_path, "{except: {words: [new, offer]}, within: 5, match: {entity: money}}")
    assert one(rs, interaction([("agent", "You owe $40 on the account.")])).outcome == "passed"
    res = one(rs, interaction([("agent", "The new plan is $40.")]))
    assert res.outcome == "failed"
    far = "We have a new offer. Separately, you owe $40."  # another sentence: it stands
    assert one(rs, interaction([("agent", far)])).outcome == "passed"


@pytest.mark.parametrize(
    ("said", "own_name", "organisation"),
    [
        ("Thank you for calling Harbour Energy, my name is Priya.", True, True),
        ("Harbour Energy, Priya speaking.", True, True),
        ("hello swift line parcels you're speaking with kofi", True, True),
        ("Hi, Jake from Sunstate Insurance.", True, True),
        ("It's Mel calling from Kestrel Mutual.", True, True),
        ("TeleBharat Mobile, executive ID four four seven one here.", True, True),
        ("Hi, this is Eastside Recoveries.", False, True),
        ("Hi, you're through to Marco in the billing team.", True, False),
        ("Thanks for calling Billing, how can I help?", False, False),
        ("Hi, is this Mr Adeyemi? It's about your account.", False, False),
        ("This is about your bill, I'm afraid it's overdue.", False, False),
    ],
)
def test_own_names_and_organisations(said: str, own_name: bool, organisation: bool) -> None:
    from scanner.matchers import EntityMatcher

    nt = NormText.from_words(said.split())
    assert bool(EntityMatcher("own-name").hits(nt)) == own_name
    assert bool(EntityMatcher("organisation").hits(nt)) == organisation


def test_money_and_addresses() -> None:
    from scanner.matchers import EntityMatcher

    def found(kind: str, said: str) -> list[str]:
        nt = NormText.from_words(said.split())
        return [" ".join(nt.tokens[h.start : h.end]) for h in EntityMatcher(kind).hits(nt)]

    assert found("money", "It's £11.99 a month") == ["11 99 pounds"]
    assert found("money", "just forty dollars") == ["40 dollars"]
    assert found("money", "roadside cover for R89 a month") == ["89 rand"]
    assert found("money", "it's 89 a month") == []  # no currency: not known to be money
    assert found("address", "going to flat 4, 17 Cranbrook Avenue") == [
        "flat 4",
        "17 cranbrook avenue",
    ]


def test_the_centre_vocabulary_makes_its_names_organisations(tmp_path: Path) -> None:
    rs = req(tmp_path, "{entity: organisation}")
    said = interaction([("agent", "hi you're through to zed axis how can i help")])
    assert one(rs, said).outcome == "failed"  # no cue, no noun like "Bank": not known
    assert rs.evaluate(said, vocabulary=("Zedaxis",))[0].outcome == "passed"  # split by ASR
    meta = interaction([("agent", "zed axis hello")], meta={"extra": (("vocabulary", "Zedaxis"),)})
    assert one(rs, meta).outcome == "passed"  # or named in the interaction's metadata


def test_across_turns_finds_each_part_in_its_own_turn(tmp_path: Path) -> None:
    rs = pack(
        tmp_path,
        """
        - id: ident
          category: disclosure
          kind: required
          severity: low
          message: m
          speaker: agent
          window: {first_turns: 4}
          across_turns: true
          match:
            all: [{entity: own-name}, {entity: organisation}]
        """,
    )
    two = [("agent", "Thanks for calling Copperfield Insurance."), ("agent", "I'm Soraya.")]
    res = one(rs, interaction(two))
    assert res.outcome == "passed" and len(res.evidence) == 2
    late = [("agent", "Thanks for calling Copperfield Insurance.")] + [("customer", "ok")] * 4
    res = one(rs, interaction([*late, ("agent", "I'm Soraya.")]))
    assert res.outcome == "failed" and "entity own-name" in res.reason


DETECT = """
- id: r
  category: disclosure
  kind: required
  severity: high
  message: m
  speaker: agent
  match: {words: [collect a debt]}
  applies_when:
    metadata: {campaign: collections}
    detect:
      speaker: agent
      at_least: 2
      match: {words: [debt, overdue, arrears]}
"""


def test_a_pack_applies_from_the_conversation_when_metadata_is_silent(tmp_path: Path) -> None:
    rs = pack(tmp_path, DETECT)
    debt = [("agent", "Your card is overdue and the debt is 40 pounds.")]
    assert one(rs, interaction(debt)).outcome == "failed"  # detected, and no disclosure
    once = [("agent", "Your bill is overdue, want to pay now?")]
    res = one(rs, interaction(once))  # one wording is not enough
    assert res.outcome == "not_applicable" and "does not show" in res.reason
    other = one(rs, interaction(debt, meta={"campaign": "sales"}))
    assert other.outcome == "not_applicable" and "metadata campaign is sales" in other.reason


def test_untriggered_required_and_replies_counted_by_speaker(tmp_path: Path) -> None:
    rs = pack(
        tmp_path,
        """
        - id: c
          category: privacy
          kind: conditional
          severity: high
          message: m
          when: {speaker: agent, match: {words: [you owe]}}
          then:
            speaker: agent
            direction: before
            untriggered: required
            match: {words: [date of birth]}
        - id: v
          category: privacy
          kind: conditional
          severity: high
          message: m
          when: {speaker: customer, match: {words: [hospital]}}
          then: {speaker: agent, within_replies: 2, match: {words: [payment holiday]}}
        """,
    )
    never = interaction([("agent", "Hello."), ("customer", "Hi.")])
    assert one(rs, never, "c").outcome == "failed"  # no trigger, and nothing asked either
    asked = interaction([("agent", "What is your date of birth?"), ("customer", "May 1.")])
    assert one(rs, asked, "c").outcome == "passed"
    turns = [
        ("customer", "I was in hospital."),
        ("customer", "For weeks."),
        ("customer", "It was awful."),
        ("agent", "Oh no."),
        ("customer", "Yes."),
        ("agent", "We can give you a payment holiday."),
    ]
    assert one(rs, interaction(turns), "v").outcome == "passed"  # the agent's 2nd reply


def test_yes_no_on_and_off_stay_words_in_packs(tmp_path: Path) -> None:
    rs = req(tmp_path, "{words: [no, off, yes]}")
    assert one(rs, interaction([("agent", "That's 20% off.")])).outcome == "passed"


def test_informal_and_unapostrophed_forms_are_spelled_out() -> None:
    assert norm_phrase("I cannae pay") == ("i", "can", "not", "pay")
    assert norm_phrase("i cant pay, dont call") == ("i", "can", "not", "pay", "do", "not", "call")
    assert norm_phrase("gonna") == ("going", "to")


def test_a_concept_learns_from_examples_and_counter_examples(tmp_path: Path) -> None:
    rs = req(
        tmp_path,
        """
        concept: recording-notice
        examples: [this call is recorded, we record our calls for training]
        counter: [I will record your new address, send it by recorded delivery]
        threshold: 0.6
        margin: 0.05
        """.replace("\n", "\n  "),
    )
    res = one(rs, interaction([("agent", "Just so you know, calls are recorded.")]))
    assert res.outcome == "passed" and res.evidence[0].matched.startswith("concept")
    assert one(rs, interaction([("agent", "I'll record your new address.")])).outcome == "failed"
