"""What the scanner knows about English words, from packaged word lists: how common a word is
(wordfreq), whether it is a known first name or surname (the US census lists of the `names`
package), and small closed classes of our own (negations, the words that follow "I am" or
"this is" without being a name, the nouns organisations are named with).

Rules use it to tell "this is Priya" from "this is about your bill" and "Harbour Energy" from
"the billing team"; redaction uses it to tell a name from an ordinary word when speech
recognition writes both in lower case. Everything loads on first use and stays offline.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

# a word at or above this Zipf frequency (per billion words, log10 + 9) is an everyday word;
# 4.4 keeps "the", "calling", "sorry" (4.9-7.7) apart from most given names (2-4.2)
COMMON_ZIPF = 4.4

NEGATIONS = frozenset(
    "not no never nobody nothing none neither nor cannot unable refuse "
    # Chinese, as the single-character tokens a Chinese turn is matched in: 不会, 没有, 未, 别, 无
    "不 没 未 别 无".split()
)

# words that follow "I am" / "this is" / "it's" / "my name is" without being a name
NOT_NAMES = frozenset(
    """a an the this that these those my your our their his her its me you we they he she it
    i us them and or but so because if then than as of in on at to for with from by about
    regarding re calling ringing phoning contacting following returning speaking talking
    chatting here there just only also actually really very still now today tomorrow
    sorry afraid glad happy pleased able unable going trying looking getting checking
    hoping wondering sure fine good great well ok okay yes yeah no not right correct
    please thanks thank hello hi hey morning afternoon evening calling gonna wanna
    gotta one someone somebody everyone nobody customer agent advisor adviser
    representative manager team department service services support desk billing
    collections recoveries accounts sales help helping unfortunately afraid definitely
    absolutely certainly exactly basically literally honestly simply quite rather bit
    little lot new old same other another next last first second""".split()
)

# nouns organisations are named with: "Harbour Energy", "Cedar Hollow Credit Union"
ORG_WORDS = frozenset(
    """bank banking bancorp building society credit union lending loans loan finance
    financial capital mortgage mortgages savings investments investment wealth insurance
    insure insurer assurance assure energy power gas electric electricity water utilities
    utility telecom telecoms mobile wireless broadband internet fibre fiber networks cable
    parcels parcel couriers courier delivery logistics express freight postal retail
    outfitters stores supermarket pharmacy healthcare medical hospital clinic dental
    council airlines airways motors auto autos leasing rentals properties estates lettings
    gym gyms fitness limited ltd inc llc plc corp pte mutual""".split()
)
# nouns that name an organisation only after a name of its own: "Bluewater Collections",
# "Sahyog Recovery Services", but "the collections team" is a department
ORG_TAIL_WORDS = frozenset(
    """recoveries recovery collections collection solutions services service group holdings
    partners associates company co travel holidays homes cars health care media network
    store shop club""".split()
)
# heads of a department's name: "the billing team", "customer support"
DEPARTMENT_WORDS = frozenset(
    """team department desk office unit division support billing accounts enquiries
    helpdesk reception customer customers care claims member members accounts services
    service relations""".split()
)


@lru_cache(maxsize=50_000)
def zipf(word: str) -> float:
    """How common an English word is (0 = unknown, 7+ = "the")."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def _census(name: str) -> frozenset[str]:
    text = resources.files("names").joinpath(name).read_text(encoding="utf-8")
    return frozenset(line.split()[0].lower() for line in text.splitlines() if line.strip())


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return _census("dist.male.first") | _census("dist.female.first")


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    return _census("dist.all.last")


_ALPHA = re.compile(r"^[^\W\d_][^\W\d_'\-]*$")


def could_be_name(word: str) -> bool:
    """Whether a word may be someone's given name where context says a name comes: not a
    closed-class or everyday word, unless it is a known first name ("Mark", "Grace")."""
    w = word.lower().strip(".,;:!?\"'()")
    if len(w) < 2 or not _ALPHA.match(w) or w in NOT_NAMES:
        return False
    return w in first_names() or zipf(w) < COMMON_ZIPF


# Chinese surnames: the most common single-character ones (together well over 90% of the
# population, after the 2020 census rankings) and the compound ones still in use; a name
# recognizer asks that a candidate start with one
CN_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
    "俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
    "房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
CN_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 端木 独孤 南宫 西门 "
    "轩辕 呼延 申屠 澹台 公冶 太史 万俟 闻人 赫连 钟离".split()
)

# what a few digits said in Chinese are the end of (a card, a phone, an ID number read in
# part): context that lifts a short digit run over the redaction threshold
ZH_DIGIT_CONTEXT = (
    "尾号 后四位 后六位 四位 六位 末四位 后4位 后6位 户号 卡号 账号 身份证 手机号 密码 验证码 号码"
).split()
