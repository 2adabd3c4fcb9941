"""Recognizers for Chinese personal data: resident ID numbers, phone numbers, names, addresses.

They see a Chinese turn as cjk.py segments it and spoken.py renders it: words separated by
single spaces, Chinese digits read out turned into digits ("幺三八..." -> "138..."). Number
patterns then have word boundaries to stop at; names and addresses are found on the text with
those spaces taken out and mapped back. Like the English recognizers they lean towards
redacting: an ID number with a wrong check digit (a misheard digit) is still masked, a name
is a surname with a cue (我叫, 我是, 姓, 先生, 女士) or a name jieba tags as one.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from .cjk import HAN, tagged
from .lexicon import CN_COMPOUND_SURNAMES, CN_SURNAMES, ZH_DIGIT_CONTEXT
from .recognizers import recognizer

_H = "\u3400-\u4dbf\u4e00-\u9fff"
_FULL_WIDTH = re.compile("[\u3000-\u303f\uff00-\uffef]")
_ZH_CONTEXT = ["号码", "卡号", "账号", "尾号", "密码", "验证码", "身份证", "手机", "电话", "编号"]


class _ChineseTextPatterns(PatternRecognizer):
    """Patterns of Chinese numbers, used on Chinese text only: in an English turn the
    English recognizers decide ("07700 900123" is a UK mobile, not a Beijing landline)."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None, regex_flags=None):
        if not (HAN.search(text) or _FULL_WIDTH.search(text)):  # "287X。" was Chinese too
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


@recognizer
class CnResidentIdRecognizer(_ChineseTextPatterns):
    """An 18-character resident identity card number (17 digits and a check character);
    the checksum and birth date lift it to certain, a failed one still masks it."""

    ENTITY: ClassVar[str] = "CN_RESIDENT_ID"

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name="CnResidentIdRecognizer",
            patterns=[Pattern("ric", r"\b\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx]\b", 0.7)],
            context=["身份证", "证件", "身份"],
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        from stdnum.cn import ric

        return True if ric.is_valid(re.sub(r"[ -]", "", pattern_text)) else None


@recognizer
class CnDigitsTailRecognizer(_ChineseTextPatterns):
    """A few digits read as the end of a number that identifies someone: "尾号6515",
    "后四位 四一六二" (read out, asked for in the turn before), an ID number's last
    characters "二八七X". Masked when the words around say so."""

    ENTITY: ClassVar[str] = "NUMBER"

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name="CnDigitsTailRecognizer",
            patterns=[Pattern("tail", r"\b\d{3,6}[Xx]?\b", 0.05)],
            context=ZH_DIGIT_CONTEXT,
        )


_YMD = "(?:\\b\\d{{4}}|{d}{{4}}) ?年 ?{d}{{1,2}} ?月 ?{d}{{1,3}} ?[日号]"


@recognizer
class CnDateRecognizer(_ChineseTextPatterns):
    """A date in Chinese: 一九八三年十月六号, 1983年10月6日 (a date of birth, when asked)."""

    ENTITY: ClassVar[str] = "DATE_OF_BIRTH"

    def __init__(self) -> None:
        d = "[0-9零〇一二三四五六七八九十]"
        super().__init__(
            supported_entity=self.ENTITY,
            name="CnDateRecognizer",
            patterns=[Pattern("ymd", _YMD.format(d=d), 0.6)],
            context=["出生", "生日", "出生日期", "出生年月"],
        )


@recognizer
class CnPhoneRecognizer(_ChineseTextPatterns):
    """Mainland mobile numbers (11 digits from 13-19) and landlines with an area code."""

    ENTITY: ClassVar[str] = "PHONE_NUMBER"

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name="CnPhoneRecognizer",
            patterns=[
                Pattern("mobile", r"\b(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}\b", 0.75),
                Pattern("landline", r"\b0\d{2,3}[ -]?\d{7,8}\b", 0.6),
            ],
            context=_ZH_CONTEXT,
        )


def _despaced(text: str) -> tuple[str, list[int]]:
    """The text without the spaces segmentation put next to Chinese characters, and where
    each remaining character was."""
    keep: list[int] = []
    for i, ch in enumerate(text):
        inner = ch == " " and 0 < i < len(text) - 1
        if inner and (HAN.match(text[i - 1]) or HAN.match(text[i + 1]) or _punct(text[i - 1])):
            continue
        keep.append(i)
    return "".join(text[i] for i in keep), keep


def _punct(ch: str) -> bool:
    return "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


class _DespacedRecognizer(EntityRecognizer):
    """Finds spans on the despaced text and reports them on the spaced one."""

    ENTITY: ClassVar[str] = ""
    SCORE: ClassVar[float] = 0.7

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__)

    def load(self) -> None:
        pass

    def spans(self, plain: str) -> list[tuple[int, int, float]]:
        raise NotImplementedError

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list:
        if self.ENTITY not in entities or not HAN.search(text):
            return []
        plain, where = _despaced(text)
        out = []
        for a, b, score in self.spans(plain):
            if b > a:
                out.append(RecognizerResult(self.ENTITY, where[a], where[b - 1] + 1, score))
        return out


# how a Chinese speaker gives a name: the cue, then the name
_NAME_CUE = re.compile(
    r"(?:我叫|我是|我姓|叫我|本人是?|姓名(?:是|叫|为)?|名字(?:是|叫)?|名叫|联系人(?:是)?|"
    r"户主(?:是)?|机主(?:是)?|持卡人(?:是)?|收件人(?:是)?|寄件人(?:是)?|收货人(?:是)?|"
    r"投保人(?:是)?|被保险人(?:是)?|受益人(?:是)?|借款人(?:是)?|原户名(?:是)?|户名(?:是)?|"
    r"免贵姓|贵姓)[:：]?"
)
_TITLE = r"(?:先生|女士|小姐|太太|夫人|老师|经理|师傅|阿姨|叔叔|同学|大爷|大妈|老板|主任|医生)"
# words that follow a cue but are not names (我是来..., 我是说..., 我叫了...)
_NOT_NAME_START = set("来说想要在从去的不也都就还了个这那有没是给对把被会能可用跟")


_BEFORE_CLASSIFIER = set("这那哪一两二三四五六七八九十几每某第半整")
# surnames that are far more often everyday words (和 and, 于 at, 时 time, 向 towards...):
# after a cue they start a name only with a title after them
_FUNCTION_SURNAMES = set("和于时向全成明从以及与同将把被给在")


def _surname_at(s: str, i: int) -> int:
    """Length of the surname starting at s[i] (2 for a compound one), 0 if none."""
    if s[i : i + 2] in CN_COMPOUND_SURNAMES:
        return 2
    return 1 if s[i : i + 1] in CN_SURNAMES else 0


@recognizer
class CnNameRecognizer(_DespacedRecognizer):
    """Chinese personal names: after a cue (我叫张伟, 我姓王), before a title (张先生,
    王秀英女士), or tagged as a person's name by jieba and starting with a surname."""

    ENTITY: ClassVar[str] = "PERSON"

    def spans(self, plain: str) -> list[tuple[int, int, float]]:
        found: list[tuple[int, int, float]] = []
        for m in _NAME_CUE.finditer(plain):
            i = m.end()
            n = _surname_at(plain, i)
            if not n or plain[i + n : i + n + 1] in _NOT_NAME_START:
                continue
            if plain[i] in _FUNCTION_SURNAMES and not re.match(
                f"[{_H}]{{1,2}}{_TITLE}", plain[i + 1 :]
            ):  # "姓名和身份证": 和 is a word here, not the surname 和
                continue
            cue = m.group(0)
            if "姓" in cue and not cue.startswith("姓名"):  # 我姓张: the surname alone
                found.append((i, i + n, 0.85))
                continue
            end = i + n
            while end < len(plain) and end - i < n + 2 and re.match(f"[{_H}]", plain[end]):
                if re.match(_TITLE, plain[end:]) or plain[end] in _NOT_NAME_START:
                    break
                end += 1
            if end > i + n - (1 if n == 2 else 0):
                found.append((i, end, 0.85))
        for m in re.finditer(f"([{_H}]{{1,3}}?)(?={_TITLE})", plain):
            start = m.start(1)
            # the name before a title starts at a surname, at most three characters back
            for k in range(max(0, m.end(1) - 3), m.end(1)):
                if _surname_at(plain, k):
                    start = k
                    break
            else:
                continue
            found.append((start, m.end(1), 0.8))
        for start, end in _tagged_names(plain):
            # after 这/那/哪/一/几... a "surname" is a measure word or an adjective: 哪张卡
            classifier = start > 0 and plain[start - 1] in _BEFORE_CLASSIFIER
            if _surname_at(plain, start) and not classifier:
                found.append((start, end, 0.6))
        return found


def _tagged_names(plain: str) -> list[tuple[int, int]]:
    """Spans jieba's part-of-speech tagger calls person names (nr, nrfg, nrt)."""
    out = []
    for m in re.finditer(f"[{_H}]+", plain):
        pos = m.start()
        for word, flag in tagged(m.group(0)):
            if flag.startswith("nr") and 2 <= len(word) <= 4:
                out.append((pos, pos + len(word)))
            pos += len(word)
    return out


_NUM = "[0-9零〇一幺二两三四五六七八九十百千]"
# the parts of a Chinese address, largest first; two or more in a row are an address
_ADDRESS_PART = (
    # 超市, 城市, 地区, 景区 and the like are words, not parts of an address
    f"(?:[{_H}]{{1,4}}?(?:特别行政区|自治区|自治州|省|(?<![超城都门夜])市|(?<![地景辖郊专])区|县|旗|"
    f"镇|乡|街道|(?<![农乡])村|社区|小区|"
    f"花园|大厦|公寓|新村|家园|苑)(?![{_H}]{{0,1}}(?:长|政府|委|局|场|院)))"
    f"|(?:[{_H}0-9]{{1,8}}?(?:大道|路|街|巷|弄|胡同|道))"
    f"|(?:{_NUM}+(?:号楼|号院|号门|号|栋|幢|座|单元|楼|层|室|户|组|弄|门))"
    # a building named on its own after another part ("...27号中关村大厦")
    "|(?:大厦|公寓|花园|小区|广场|大楼|商厦|写字楼)"
)
# ... and a bare room number at the end ("2栋1903", "二门三零二")
_ADDRESS = re.compile(f"(?:{_ADDRESS_PART}){{2,}}(?:{_NUM}{{3,5}}(?![{_H}0-9]))?")
# what an address often comes after, left out of the span
_ADDRESS_LEAD = re.compile(r"住在|地址是|地址|寄到|送到|发到|搬到|在|到|是|住")


# after a cue, an address may be said in one part and local names ("寄到望京的花家地北里"):
# what follows the cue, up to the end of the clause, is the address if it holds a part
_ADDRESS_CUE = re.compile(
    r"(?:地址是|地址[:：]|住址是|住在|家住|家在|寄到|送到|发到|搬到|收货地址是?|寄件地址是?|"
    r"收件地址是?|改到|改成)([^，。,.！？!?；;\s]{2,40})"
)
_ADDRESS_MARK = re.compile(
    r"路|街|大道|号|区|市|县|镇|乡|村|小区|花园|栋|幢|单元|室|[东西南北中]里|弄|巷|胡同|公寓|大厦|苑"
)


@recognizer
class CnAddressRecognizer(_DespacedRecognizer):
    """Two or more address parts in a row (省 市 区 路 号 单元 室 ...), or what follows an
    address cue (住在, 寄到, 地址是) when it holds one."""

    ENTITY: ClassVar[str] = "STREET_ADDRESS"

    def spans(self, plain: str) -> list[tuple[int, int, float]]:
        out = [
            (m.start(1), m.end(1), 0.7)
            for m in _ADDRESS_CUE.finditer(plain)
            if _ADDRESS_MARK.search(m.group(1))
        ]
        for m in _ADDRESS.finditer(plain):
            start = m.start()
            # "寄到上海市...": the address starts after the last cue in its first characters
            for lead in _ADDRESS_LEAD.finditer(plain, start, min(m.end() - 2, start + 6)):
                start = lead.end()
            out.append((start, m.end(), 0.75))
        return out
