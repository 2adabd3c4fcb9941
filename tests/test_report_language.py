"""The report in Chinese: labels from the Chinese catalogue (chosen automatically for a Chinese
batch, or with --report-language), the page marked `lang` with a font stack that covers
Chinese, and CSVs with a byte-order mark so a spreadsheet reads their Chinese text.

Chinese chats are scanned for real (no whisper: chats are fast) and the report is opened in
headless Chromium."""

from __future__ import annotations

import csv
import re
import string
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from scanner import scan
from scanner.findings import load_dir
from scanner.report import build_report, report_language
from scanner.report_labels import EN, ZH, Labels, majority_language
from scanner.verify import verify
from scanner.vocab import CATEGORIES, KINDS, OUTCOMES, SEVERITIES

from .helpers import SAMPLES, run_cli

CHATS = {
    "zh-01-good": """客服：您好，这里是华信银行客服中心，工号1023，很高兴为您服务。
客户：你好，我想投诉一下上个月的年费。
客服：非常抱歉给您带来不便，请问您的姓名和预留手机号是多少？
客户：我叫张伟，手机号13812345678。
客服：好的，已为您登记投诉，我们会在三个工作日内回复您。请问还有什么可以帮您？
客户：没有了，谢谢。
客服：感谢您的来电，祝您生活愉快，再见。
""",
    "zh-02-rude": """客服：喂。
客户：我的信用卡被多扣了一笔钱，怎么回事？
客服：不知道，这不归我管，你自己看着办。
客户：你这是什么态度？我要投诉你。
客服：随便你。
""",
    "zh-03-sale": """客服：您好，华信银行，工号2048为您服务。
客户：你好，我想开通分期业务。
客服：好的，现在办理马上就能用，今天不办明天就没有优惠了。
客户：那我开通吧。
客服：好的已经给您开通了，还有别的问题吗？
""",
}
BOM = b"\xef\xbb\xbf"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def _literal(text: str) -> str:
    """The words of a label, without its fields."""
    return "".join(lit for lit, _name, _spec, _conv in string.Formatter().parse(text))


# ---- the catalogues ------------------------------------------------------------------------


def test_catalogues_have_the_same_keys_fields_and_no_empty_values() -> None:
    assert set(EN) == set(ZH)
    for key in EN:
        assert EN[key].strip() and ZH[key].strip(), key
        # a field one language fills and the other does not would be lost or raise
        assert _fields(EN[key]) == _fields(ZH[key]), key
    # every word of the scanner's vocabulary has its label, in both languages
    for kind, words in (
        ("outcome", OUTCOMES),
        ("severity", SEVERITIES),
        ("category", CATEGORIES),
        ("kind", KINDS),
        ("party", ("agent", "customer")),
        ("medium", ("voice", "chat")),
    ):
        for word in words:
            assert f"{kind}.{word}" in EN, (kind, word)
    # the Chinese catalogue is Chinese: every label with English words in it is translated
    untranslated = [
        k for k in EN if re.search(r"[a-z]{3}", _literal(EN[k])) and not HAN.search(ZH[k])
    ]
    assert untranslated == []
    zh = Labels("zh")
    assert [zh.term("outcome", o) for o in ("passed", "failed", "needs_review")] == [
        "通过",
        "未通过",
        "需复核",
    ]
    assert zh.term("outcome", "not_applicable") == "不适用"
    assert zh.term("party", "agent") == "坐席" and zh.term("party", "customer") == "客户"
    # a word the catalogue does not know is shown as it is
    assert zh.term("category", "a-packs-own-category") == "a-packs-own-category"
    with pytest.raises(ValueError):
        Labels("fr")


def test_auto_picks_chinese_only_when_most_interactions_are() -> None:
    assert majority_language(["zh", "zh", "en"]) == "zh"
    assert majority_language(["zh", "en"]) == "en"  # a tie is English
    assert majority_language(["zh-CN", None, None]) == "zh"  # failed inputs have no language
    assert majority_language([]) == "en"

    def doc(language: str | None) -> dict:
        return {"id": "x", "interaction": {"language": language}}

    docs = [doc("zh"), doc("zh"), doc("en")]
    assert report_language(docs, "auto") == "zh"
    assert report_language(docs, "en") == "en"
    assert report_language([doc("en")], "zh") == "zh"
    with pytest.raises(ValueError):
        report_language(docs, "klingon")


# ---- a scanned Chinese batch -----------------------------------------------------------------


@pytest.fixture(scope="module")
def zh_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three Chinese chats scanned, with the report and CSVs written by the scan."""
    root = tmp_path_factory.mktemp("zh-report")
    inputs = root / "in"
    inputs.mkdir()
    for name, text in CHATS.items():
        (inputs / f"{name}.txt").write_text(text, encoding="utf-8")
    out = root / "out"
    scan([inputs], out)
    docs = load_dir(out).docs
    assert {d["interaction"]["language"] for d in docs} == {"zh"}
    files = build_report(out)
    assert files.language == "zh" and files.interactions == 3
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_csvs_start_with_a_bom_and_round_trip_chinese(zh_scan: Path) -> None:
    docs = {d["id"]: d for d in load_dir(zh_scan).docs}
    for name in ("results.csv", "interactions.csv"):
        raw = (zh_scan / name).read_bytes()
        assert raw.startswith(BOM) and not raw[3:].startswith(BOM), name
        assert raw[3:].startswith(b"interaction_id,")
    rows = _rows(zh_scan / "results.csv")
    assert len(rows) == sum(len(d["results"]) for d in docs.values())
    quotes = 0
    for row in rows:
        (result,) = [
            r
            for r in docs[row["interaction_id"]]["results"]
            if f"{r['pack']}/{r['rule']}" == f"{row['pack']}/{row['rule']}"
        ]
        evidence = result.get("evidence") or [{}]
        assert row["evidence_quote"] == (evidence[0].get("quote") or "")
        assert row["reason"] == result.get("reason", "")
        quotes += bool(HAN.search(row["evidence_quote"]))
    assert quotes >= 3  # Chinese quotes came back as written
    assert {r["interaction_id"] for r in _rows(zh_scan / "interactions.csv")} == set(docs)
    # the CSVs say the same whatever the report's language: columns and values are data
    before = {n: (zh_scan / n).read_bytes() for n in ("results.csv", "interactions.csv")}
    build_report(zh_scan, language="en")
    assert {n: (zh_scan / n).read_bytes() for n in before} == before
    build_report(zh_scan)


def _open(browser, path: Path, fragment: str = "") -> None:
    browser.get("about:blank")  # the same page again is loaded again, not only scrolled
    browser.get(path.resolve().as_uri() + fragment)
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _labels_shown(browser) -> str:
    """The text of the overview and the interactions table, hidden views included."""
    return browser.execute_script(
        "return document.querySelector('header').textContent + "
        "document.querySelector('nav').textContent + document.querySelector('main').textContent"
    )


def _english_labels() -> list[str]:
    """English labels long enough not to occur by chance in data."""
    return [v for v in EN.values() if "{" not in v and " " in v and len(v) >= 12]


def test_chinese_batch_report_shows_chinese_labels_in_chromium(zh_scan: Path, browser) -> None:
    docs = {d["id"]: d for d in load_dir(zh_scan).docs}
    failed = sorted(
        i for i, d in docs.items() if any(r["outcome"] == "failed" for r in d["results"])
    )
    assert "zh-02-rude" in failed  # 不知道 / 不归我管 / 你自己看着办 are forbidden phrases
    _open(browser, zh_scan / "report.html")
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    font = browser.execute_script("return getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK SC" in font and "Microsoft YaHei" in font and "PingFang SC" in font
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert browser.find_element(By.CSS_SELECTOR, "nav.tabs a[data-view=overview]").text == "概览"
    text = _labels_shown(browser)
    assert "各规则通过率" in text and "得分最低的记录" in text
    assert [e for e in _english_labels() if e in text] == []

    browser.find_element(By.CSS_SELECTOR, "nav.tabs a[data-view=interactions]").click()
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#table thead th")]
    assert headers[:3] == ["交互记录", "渠道", "日期"] and "得分" in headers
    medium = browser.find_element(
        By.CSS_SELECTOR, "#table tr[data-id='zh-01-good'] td:nth-child(2)"
    )
    assert medium.text == "在线会话"
    outcome = Select(browser.find_element(By.NAME, "outcome"))
    assert [o.text for o in outcome.options] == ["全部结果", "未通过", "需复核", "通过", "不适用"]
    outcome.select_by_value("failed")
    shown = browser.find_element(By.ID, "shown").text
    assert shown == f"显示 {len(failed)} / 3 条交互记录"

    browser.find_element(By.CSS_SELECTOR, "#table a[href='#i/zh-02-rude']").click()
    WebDriverWait(browser, 20).until(
        lambda d: "zh-02-rude" in d.find_element(By.CSS_SELECTOR, "#view-detail h2").text
    )
    detail = browser.find_element(By.ID, "view-detail")
    heads = [th.text for th in detail.find_elements(By.CSS_SELECTOR, "table.findings thead th")]
    assert heads == ["结果", "规则", "严重程度", "原因", "证据"]
    rows = detail.find_elements(By.CSS_SELECTOR, "tr.finding[data-outcome=failed]")
    assert rows and {r.find_element(By.CSS_SELECTOR, ".pill").text for r in rows} == {"未通过"}
    passed = detail.find_elements(By.CSS_SELECTOR, "tr.finding[data-outcome=passed] .pill")
    assert {p.text for p in passed} <= {"通过"}
    # data stays as written: rule ids, and the conversation's own words
    assert {r.get_attribute("data-rule") for r in rows} == {
        f"{r['pack']}/{r['rule']}"
        for r in docs["zh-02-rude"]["results"]
        if r["outcome"] == "failed"
    }
    turns = detail.find_elements(By.CSS_SELECTOR, ".conversation .turn")
    assert [t.find_element(By.CSS_SELECTOR, ".who").text.split()[0] for t in turns] == [
        {"agent": "坐席", "customer": "客户"}[t["speaker"]]
        for t in docs["zh-02-rude"]["transcript"]["turns"]
    ]
    assert "你自己看着办" in detail.find_element(By.CSS_SELECTOR, ".conversation").text
    # the page is Chinese, so the Chinese transcript needs no lang of its own
    assert not detail.find_elements(By.CSS_SELECTOR, ".conversation [lang]")
    assert [e for e in _english_labels() if e in detail.text] == []
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert verify(zh_scan).leaks == ()


def test_report_language_en_shows_english_labels_over_chinese_data(
    zh_scan: Path, browser, tmp_path: Path
) -> None:
    res = run_cli("report", str(zh_scan), "--report-language", "en")
    assert res.returncode == 0, res.stderr
    try:
        _open(browser, zh_scan / "report.html", "#i/zh-02-rude")
        assert browser.execute_script("return document.documentElement.lang") == "en"
        WebDriverWait(browser, 20).until(
            lambda d: "zh-02-rude" in d.find_element(By.CSS_SELECTOR, "#view-detail h2").text
        )
        detail = browser.find_element(By.ID, "view-detail")
        heads = [th.text for th in detail.find_elements(By.CSS_SELECTOR, "table.findings thead th")]
        assert heads == ["Outcome", "Rule", "Severity", "Why", "Evidence"]
        pills = detail.find_elements(By.CSS_SELECTOR, "tr.finding[data-outcome=failed] .pill")
        assert pills and {p.text for p in pills} == {"failed"}
        # the Chinese words are marked Chinese, so they are drawn with Chinese glyphs
        text = detail.find_element(By.CSS_SELECTOR, ".conversation .turn .text")
        assert text.get_attribute("lang") == "zh-CN" and HAN.search(text.text)
        quote = detail.find_element(By.CSS_SELECTOR, "table.findings .quote")
        assert quote.get_attribute("lang") == "zh-CN"
        assert browser.find_element(By.CSS_SELECTOR, "nav.tabs a").text == "Overview"
    finally:
        assert run_cli("report", str(zh_scan)).returncode == 0  # back to auto for the others

    # scan: the option is there too, and auto on an English batch stays English
    out = tmp_path / "en"
    chat = SAMPLES / "chats" / "chat-01-complaint-handled.txt"
    res = run_cli("scan", str(chat), "--out", str(out), "-q", "--report-language", "zh")
    assert res.returncode == 0, res.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in html and "概览" in html
    assert run_cli("report", str(out)).returncode == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in html and ">Overview<" in html and "概览" not in html
    assert run_cli("report", str(out), "--report-language", "fr").returncode == 2
