"""Chinese chats: speaker labels, language, and personal data masked word by word.

Before cjk.py a typed Chinese sentence was one "word" to redaction (no spaces), so an ID
number inside it survived: digit patterns found no word boundary next to a Chinese character.
These tests write Chinese chats the way Chinese contact-centre exports look and check that
no personal value survives in anything written, and that ordinary sentences keep their words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner import Interaction, Redactor, Turn
from scanner.cjk import join, segment, text_language
from scanner.ingest import discover
from scanner.process import Processor, ScanOptions
from scanner.transcripts import read_transcript

CHAT = """客服：您好，这里是华信银行客服中心，工号1023，我是李娜，请问有什么可以帮您？
客户：你好，我叫张伟，我的身份证号是110101199003074477，手机号13812345678。
客服（人工）: 好的张先生，请问您的银行卡号是多少？
客户：6222021234567890128，我住在北京市朝阳区建国路88号3单元502室。
客户：对了，我的邮箱是zhangwei88@163.com，座机010-88886666。
客服：我姓欧阳，您叫我欧阳娜娜就行。您的快递寄到上海市浦东新区世纪大道100号了。
客户：手机是幺三八 一二三四 五六七八，王秀英女士是我母亲。
客服：感谢您的来电，请问还有什么可以帮您？
"""
VALUES = [
    "李娜",
    "张伟",
    "110101199003074477",
    "13812345678",
    "6222021234567890128",
    "朝阳区建国路88号",
    "502室",
    "zhangwei88@163.com",
    "88886666",
    "欧阳娜娜",
    "世纪大道100号",
    "幺三八",
    "一二三四 五六七八",
    "秀英",
]


@pytest.fixture(scope="module")
def chat_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zh") / "chat-zh.txt"
    path.write_text(CHAT, encoding="utf-8")
    return path


def test_chinese_speaker_labels_and_full_width_colons(chat_file: Path) -> None:
    turns, _ = read_transcript(chat_file)
    assert [t.speaker for t in turns] == [
        "agent",
        "customer",
        "agent",
        "customer",
        "customer",
        "agent",
        "customer",
        "agent",
    ]
    assert turns[0].text.startswith("您好")


def test_no_chinese_personal_value_is_written(chat_file: Path, tmp_path: Path) -> None:
    (item,), _ = discover([chat_file])
    result = Processor(ScanOptions()).run(item)
    assert result.ok, result.error
    from scanner.findings import findings_document

    written = json.dumps(findings_document(result, False), ensure_ascii=False)
    left = [v for v in VALUES if v in written]
    assert not left, left
    text = " ".join(t.text for t in result.interaction.turns)
    # what is not personal keeps its words
    for kept in ("请问有什么可以帮您", "感谢您的来电", "身份证号", "我住在", "是我母亲"):
        assert kept in text, (kept, text)


def test_a_chinese_chat_is_judged_by_the_chinese_pack_only(chat_file: Path) -> None:
    (item,), _ = discover([chat_file])
    result = Processor(ScanOptions()).process(item)
    assert result.interaction.language == "zh"
    english = [r for r in result.rules if r.pack != "contact-centre-zh"]
    assert english and {r.outcome for r in english} == {"not_applicable"}
    assert "this one is in zh" in english[0].reason
    zh = {r.rule: r.outcome for r in result.rules if r.pack == "contact-centre-zh"}
    # the greeting names the bank and the staff number; the closing thanks the caller; the
    # agent reads nothing from the account and sells nothing
    assert zh["agent-identification"] == "passed"
    assert zh["closing"] == "passed"
    assert zh["no-forbidden-phrases"] == "passed"
    assert zh["recording-disclosure"] == "not_applicable"  # a chat
    assert zh["terms-disclosure"] == "not_applicable"


@pytest.mark.parametrize(
    "sentence",
    [
        "我是来咨询一下套餐的，我不知道怎么办理。",
        "这个地区的超市都关门了。",
        "好的，我们会在三个工作日内给您回复。",
        "您的套餐每月五十八元，可以随时发送短信退订。",
        "我们市场部在三楼。",
    ],
)
def test_ordinary_chinese_sentences_keep_their_words(sentence: str) -> None:
    red = Redactor().redact(Interaction.from_turns([Turn("customer", sentence)]))
    assert red.turns[0].text == sentence
    assert not red.spans


def test_english_text_is_untouched_by_the_chinese_path() -> None:
    text = "My card ends 4929, and my email is jo@example.com."
    assert segment(text) == text.split()
    assert join(text.split()) == text
    assert text_language(text) == "en"
    assert text_language("您好，我想查询一下 my bill") == "zh"


def test_digits_read_out_in_chinese_are_a_number() -> None:
    red = Redactor().redact(
        Interaction.from_turns([Turn("customer", "我的手机号是幺三九 零零一二 三四五六")])
    )
    assert red.turns[0].text == "我的手机号是[PHONE_NUMBER]"


@pytest.mark.parametrize(
    ("asked", "answered", "gone"),
    [
        ("麻烦您报一下身份证号码的后四位。", "四一六二。", "四一六二"),
        ("请您说一下身份证后四位。", "二八七X。", "二八七"),
        ("请问您的出生日期？", "一九八三年十月六号。", "一九八三"),
        ("请问寄件人是谁？", "寄件人是郭志强，电话在单子上。", "郭志强"),
        ("请问是哪张卡？", "尾号6515的那张。", "6515"),
        ("请问地址是？", "寄到和平区南京路二一九号，南京花园七门。", "南京路"),
    ],
)
def test_what_chinese_customers_answer_is_masked(asked: str, answered: str, gone: str) -> None:
    """The digits, dates, names and addresses a customer gives in answer to a question:
    the question's words (后四位, 出生日期) are the context that marks a short answer."""
    red = Redactor().redact(
        Interaction.from_turns([Turn("agent", asked), Turn("customer", answered)])
    )
    assert gone not in red.turns[1].text, red.turns[1].text
    assert red.turns[0].text == asked  # the question keeps its words


def test_a_chinese_scan_gets_a_multilingual_model() -> None:
    from scanner.cli import model_for

    assert model_for(None, "en") == "tiny.en"
    assert model_for(None, "zh") == "base"
    assert model_for("small", "zh") == "small"
    with pytest.raises(Exception, match="English only"):
        model_for("tiny.en", "zh")


def test_whisper_chinese_pieces_stay_words_in_simplified_characters() -> None:
    """Whisper gives Chinese pieces without leading spaces; joined as English pieces are
    ('1,200'), a whole segment would be one word and masked or kept as one."""
    from types import SimpleNamespace

    from scanner.transcribe import join_word_pieces

    def piece(text: str, start: float) -> SimpleNamespace:
        return SimpleNamespace(word=text, start=start, end=start + 0.3, probability=0.9)

    words = join_word_pieces([piece("請問", 0.0), piece("還有", 0.3), piece("什麼", 0.6)])
    assert [w.text for w in words] == ["请问", "还有", "什么"]
    assert [w.text for w in join_word_pieces([piece(" 1", 0.0), piece(",200", 0.3)])] == ["1,200"]


HANDLED = """客服：您好，华信银行在线客服，工号1023，我是李娜，请问有什么可以帮您？
客户：我要投诉，你们上个月多扣了我一笔年费，太不像话了。
客服：非常抱歉给您带来困扰。为了保护您的账户安全，请提供持卡人姓名和身份证号码。
客户：我叫张伟，身份证号110101199003074477，手机13812345678。
客服：核实无误，谢谢张先生。我这边查到本月扣了年费三百元，已为您登记投诉，工单号C20261207，相关部门会在两个工作日内回电联系您。
客户：好的。
客服：请问还有什么可以帮您？感谢您的耐心。
"""
BRUSHED_OFF = """客服：在的亲，有什么事？
客户：我的快递一直没到，我要投诉！
客服：亲这单的收货人是王芳，地址是上海市浦东新区张杨路1666号12楼，没错吧？
客户：对，但是已经一个星期了。
客服：快递的事不归我管，你自己去问快递公司吧。
客户：你们这是什么服务态度？
客服：我说过了，不知道。
"""


def test_the_chinese_pack_passes_a_handled_chat_and_fails_a_brush_off(tmp_path: Path) -> None:
    outcomes = {}
    for name, text in (("handled", HANDLED), ("brushed-off", BRUSHED_OFF)):
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        (item,), _ = discover([path])
        result = Processor(ScanOptions()).run(item)
        outcomes[name] = {r.rule: r.outcome for r in result.rules if r.pack == "contact-centre-zh"}
        written = " ".join(t.text for t in result.interaction.turns)
        for value in ("李娜", "张伟", "110101199003074477", "13812345678", "王芳", "张杨路1666号"):
            assert value not in written, (value, written)
    judged = ("agent-identification", "identity-verification", "complaint-handling")
    judged += ("no-forbidden-phrases", "closing")
    assert all(outcomes["handled"][r] == "passed" for r in judged), outcomes["handled"]
    assert all(outcomes["brushed-off"][r] == "failed" for r in judged), outcomes["brushed-off"]
    for chat in outcomes.values():  # a chat is not a call; nothing is sold
        assert chat["recording-disclosure"] == chat["terms-disclosure"] == "not_applicable"
