"""Sentiment per turn, offline: VADER's lexicon and rules (vaderSentiment, weights in the
package, no model download), adapted to how people talk to a contact centre.

Plain VADER reads a service call as a product review: "fraud alert", "dispute" and "cancel"
come out negative, "yeah okay, like, please" positive, "nobody called me back" and "this is
the third time I'm calling" neutral, and "oh great, more hold music" warm. On
eval/sentiment-en (600 turns by six authors in six styles, labelled by people) it gets 58% of
the dev half right. So, by class rather than by sentence:
- the words that name what a call is about (fraud, dispute, debt, cancel, charge, complaint)
  and the discourse words of speech and chat (like, yeah, okay, well, please, sure, help)
  carry no feeling here;
- an agent naming the customer's feeling ("I understand how frustrating that is", "sorry to
  hear that") is empathy, not negativity;
- the ways a customer says the service failed without a polar word (it happened again, the
  third time, still not, nobody called, I was told / promised, been on hold for, fed up,
  expected better, not impressed) pull a turn negative;
- praise of a bad event ("brilliant, another form to fill in") is sarcasm: negative.
bench/bench_sentiment.py measures it against plain VADER and TextBlob on the same turns.
Scores are -1 (negative) to 1 (positive). Chinese text (cjk.text_language) is not scored yet:
None, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .cjk import text_language

_LATIN = re.compile(r"[A-Za-z]")
# placeholders a redacted or spoken transcript may hold carry no feeling
_PLACEHOLDER = re.compile(r"<[A-Z_]+>|\[[A-Z_]+\]")

# what a contact-centre conversation is about, said flatly, is no feeling
_TOPIC_WORDS = (
    "fraud fraudulent dispute disputing disputed debt debts arrears overdue cancel cancelling "
    "canceling cancellation cancelled canceled complaint complaints charge charged charges fee "
    "fees alert alerts doubt refund claim security emergency"
)
# discourse words, politeness formulas and fillers of speech and chat
_DISCOURSE_WORDS = (
    "like yeah yes yep okay ok well please pls kindly sure help helping honest honestly "
    "pretty kind hi hello righto worries hold care no"
)
# an agent naming the customer's feeling: empathy, not negativity
_EMPATHY = re.compile(
    r"\b(?:sorry|apologi[sz]e)\b[^.?!]*|"
    r"\b(?:understand|hear|imagine|appreciate|see|know|get)\b[^.?!]{0,30}?"
    r"\b(?:frustrat\w*|upset\w*|annoy\w*|stress\w*|difficult|worr\w*|angry|disappoint\w*|"
    r"inconvenien\w*|confus\w*)\b",
    re.IGNORECASE,
)
_NUM = r"(?:second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th|\d+th|two|three|four|five|six)"
# a service failure said without a polar word
_COMPLAINT = re.compile(
    r"\b(?:"
    rf"(?:the|a|my)\s+{_NUM}\s+time|{_NUM}\s+times|"
    r"(?:happened|again)\s+again|all over again|yet again|once again|"
    r"already\s+(?:told|explained|called|rang|sent|given|been)|"
    r"still\s+(?:not|no|hasn'?t|haven'?t|havent|hasnt|can'?t|cant|doesn'?t|doesnt|don'?t|"
    r"isn'?t|isnt|waiting|nothing|broken|charging|getting)|"
    r"(?:nobody|no\s?one|noone|no-one)\b|"
    r"never\s+(?:showed|turned|came|arrived|arived|got|received|heard|called|rang|replied|"
    r"answered|fixed|sent|happened)|"
    r"(?:was|were|been)\s+(?:told|promised|assured|supposed|meant)|supposed\s+to|"
    r"(?:on\s+hold|waiting|waited|hold\s+music)\b[^.?!]{0,25}\b(?:minutes?|hours?|days?|weeks?|"
    r"months?|ages|forever)|"
    r"(?:minutes?|hours?|days?|weeks?|months?)\s+(?:on\s+hold|waiting)|"
    r"fed\s+up|sick\s+(?:of|and\s+tired)|had\s+enough|last\s+straw|waste\s+of|"
    r"(?:a|the|this\s+is\s+a)\s+joke|rip\s?-?\s?off|taking\s+(?:way\s+)?too\s+long|"
    r"(?:expected|deserve)\s+better|less\s+than\s+(?:helpful|satisfactory|ideal|impressed)|"
    r"(?:not|n'?t|hardly|barely)\s+(?:\w+\s+){0,2}(?:happy|impressed|pleased|satisfied|"
    r"good\s+enough|acceptable|helpful|thrilled|amused)|"
    r"can'?t\s+say\s+i'?m|hardly|regret\w*|"
    r"(?:going\s+to|gonna|will|i'?ll)\s+(?:leave|switch|go\s+elsewhere|take\s+my\s+business)|"
    r"(?:formal|make\s+a|raise\s+a|lodge\s+a)\s+complaint|how\s+you\s+treat|"
    r"doesn'?t\s+work|does\s+not\s+work|not\s+working|stopped\s+working|drops?\s+out|"
    r"for\s+once|thanks\s+for\s+nothing|love\s+that\s+for\s+me|"
    r"again\W*$|many\s+times|every\s+time|pending\s+since|waiting\s+since|no-?\s?show|"
    r"(?:did\s+not|didn'?t|never)\s+(?:come|arrive|turn\s+up|show)|headache|runaround|"
    r"dropped\s+the\s+ball|(?:didn'?t|did\s+not)\s+sign\s+up\s+for|had\s+it\s+up\s+to|"
    r"(?:i'?m|am)\s+done\s+with|(?:speak|talk)\s+to\s+(?:your|a|the)\s+(?:manager|supervisor)|"
    r"kidding\s+me|wearing\s+(?:\w+\s+)?thin|how\s+is\s+(?:that|this)\s+(?:even\s+)?legal|"
    r"\w\*+\w*|"  # masked profanity: f***ing, s**t, h*ll
    r"what\s+the\s+(?:hell|heck)"
    r")",
    re.IGNORECASE,
)
# an agent brushing the customer off
_DISMISSIVE = re.compile(
    r"\b(?:should(?:\s+have|'?ve|n'?t\s+have)\s+(?:read|checked|known|looked|thought)|"
    r"not\s+(?:really\s+)?my\s+(?:problem|job|department|fault)|don'?t\s+make\s+the\s+rules|"
    r"(?:nothing|not\s+much)\s+(?:i|we)\s+can\s+do|(?:can'?t|cannot|can\s+not)\s+help|"
    r"what\s+(?:do\s+)?you\s+expect|(?:we'?re|we\s+are)\s+closing|(?:can'?t|cannot)\s+look)",
    re.IGNORECASE,
)
# praise of the agent or the outcome in the idioms people use for it
_PRAISE = re.compile(
    r"\b(?:(?:you'?re|ur|you\s+are|what)\s+(?:a\s+|an\s+|such\s+a\s+)?(?:star|legend|gem|"
    r"lifesaver|life\s+saver|hero|champ|angel)|you\s+rock|made\s+my\s+day|"
    r"(?:weight|load)\s+off\s+my\s+mind|game\s*-?\s*changer|finally\s+someone|"
    r"(?:first|only)\s+(?:person|one|agent)\s+(?:who'?s|who\s+has|that'?s|to)\s+actually|"
    r"actually\s+(?:fixed|listened|sorted|helped|solved)|thanks\s+heaps|ripper|"
    r"(?:decent|fair|good|great)\s+(?:offer|deal))",
    re.IGNORECASE,
)
# praise that opens a sentence about something going wrong: sarcasm
_SARCASM = re.compile(
    r"(?:^|[.!?,]\s*)(?:oh\s+|well\s+|just\s+)?(?:great|fantastic|wonderful|brilliant|lovely|"
    r"perfect|amazing|marvell?ous|super|cool|nice|splendid|terrific|awesome|excellent|love)\b"
    r"[^.?!]{0,40}?\b(?:another|more|again|so\s+now|so\s+another|so\s+i\s+(?:have|need|get)\s+to|"
    r"start\s+over|all\s+over|wait|hold|leaving\s+me|paying\s+for|copy-?\s?paste|"
    r"just\s+wow)\b",
    re.IGNORECASE,
)
# how far one sign of a failed service pulls a turn, and its floor
_COMPLAINT_PULL = 0.5
_COMPLAINT_CAP = -0.3


@lru_cache(maxsize=1)
def _analyzer():  # vaderSentiment is untyped
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    for word in (_TOPIC_WORDS + " " + _DISCOURSE_WORDS).split():
        sia.lexicon.pop(word, None)
    return sia


def score(text: str, speaker: str = "customer") -> float | None:
    """-1..1 for one turn; None for text this scorer cannot read (no Latin letters)."""
    text = _PLACEHOLDER.sub(" ", text)
    if not _LATIN.search(text) or text_language(text) != "en":
        return None
    if speaker == "agent":
        text = _EMPATHY.sub(" ", text)
    value = float(_analyzer().polarity_scores(text)["compound"]) if text.strip() else 0.0
    if _PRAISE.search(text):
        value = max(value + _COMPLAINT_PULL, -_COMPLAINT_CAP)
    if _SARCASM.search(text):
        value = -abs(value) if value else -_COMPLAINT_PULL
    cues = len(_COMPLAINT.findall(text))
    if speaker == "agent":
        cues += len(_DISMISSIVE.findall(text))
    if cues:
        value = min(value - _COMPLAINT_PULL * cues, _COMPLAINT_CAP)
    return round(max(-1.0, min(1.0, value)), 3)


def score_turns(texts: Sequence[str], speakers: Sequence[str] = ()) -> list[float | None]:
    return [score(t, speakers[i] if i < len(speakers) else "customer") for i, t in enumerate(texts)]
