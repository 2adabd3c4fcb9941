"""The HTML report and CSV exports, built from real scans and opened in a real headless
Chromium: every interaction and every failed rule shown, click-through, filters, audio, no
personal data, hostile text escaped, and the --fail-on gate."""

from __future__ import annotations

import csv
import json
import shutil
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from scanner import scan
from scanner.findings import load_dir
from scanner.report import build_report
from scanner.verify import verify

from .conftest import load
from .helpers import SAMPLES, run_cli

pytestmark = pytest.mark.slow  # whisper, a browser or a real batch


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, dirs_exist_ok=True)
    for stale in ("report.html", "results.csv", "interactions.csv"):
        (dst / stale).unlink(missing_ok=True)
    return dst


def _failed(doc: dict) -> set[str]:
    return {f"{r['pack']}/{r['rule']}" for r in doc["results"] if r["outcome"] == "failed"}


@pytest.fixture(scope="module")
def sample_report(default_scan: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = _copy(default_scan, tmp_path_factory.mktemp("report-samples"))
    files = build_report(out)
    assert files.interactions == 9 and not files.unreadable
    return out


def _open(browser, path: Path, fragment: str = "") -> None:
    browser.get(path.resolve().as_uri() + fragment)
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _visible_ids(browser) -> list[str]:
    rows = browser.find_elements(By.CSS_SELECTOR, "#table tbody tr.row")
    return [r.get_attribute("data-id") for r in rows if r.is_displayed()]


def test_csv_exports_match_the_findings(sample_report: Path) -> None:
    docs = load_dir(sample_report).docs
    with (sample_report / "results.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    expected = {
        (d["id"], f"{r['pack']}/{r['rule']}", r["outcome"]) for d in docs for r in d["results"]
    }
    got = {(r["interaction_id"], f"{r['pack']}/{r['rule']}", r["outcome"]) for r in rows}
    assert len(rows) == sum(len(d["results"]) for d in docs) and got == expected
    with (sample_report / "interactions.csv").open(newline="", encoding="utf-8-sig") as fh:
        per = {r["interaction_id"]: r for r in csv.DictReader(fh)}
    assert set(per) == {d["id"] for d in docs}
    for d in docs:
        row = per[d["id"]]
        assert float(row["score"]) == pytest.approx(d["scorecard"]["overall"]["score"])
        assert int(row["failed"]) == len(_failed(d))
        assert int(row["redacted_spans"]) == len(d["redaction"]["spans"])
    call = per["call-01-card-payment"]
    assert (call["agent_id"], call["team"], call["date"]) == ("A-1042", "payments", "2026-10-05")


def test_report_passes_verify(sample_report: Path) -> None:
    found = verify(sample_report)
    assert found.leaks == () and found.problems == ()
    assert found.files >= 9 + 3
    html = (sample_report / "report.html").read_text()
    # it does hold the redacted conversation, masks and quotes
    assert "[PERSON]" in html and "[CREDIT_CARD]" in html and "call may be recorded" in html


def test_report_in_chromium_shows_everything_and_clicks_through(
    sample_report: Path, browser, tmp_path: Path
) -> None:
    docs = {d["id"]: d for d in load_dir(sample_report).docs}
    _open(browser, sample_report / "report.html")
    assert browser.find_element(By.ID, "view-overview").is_displayed()
    assert browser.find_element(By.ID, "kpi-interactions").text == "9"
    # nothing was fetched: no network, no other file
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0

    browser.find_element(By.CSS_SELECTOR, "nav.tabs a[data-view=interactions]").click()
    assert sorted(_visible_ids(browser)) == sorted(docs)
    for row in browser.find_elements(By.CSS_SELECTOR, "#table tbody tr.row"):
        chips = {c.text for c in row.find_elements(By.CSS_SELECTOR, ".chip")}
        assert chips == _failed(docs[row.get_attribute("data-id")])

    # filter: one rule, failed
    Select(browser.find_element(By.NAME, "rule")).select_by_visible_text(
        "debt-collection/mini-miranda"
    )
    Select(browser.find_element(By.NAME, "outcome")).select_by_value("failed")
    expect = sorted(i for i, d in docs.items() if "debt-collection/mini-miranda" in _failed(d))
    assert expect and sorted(_visible_ids(browser)) == expect
    assert browser.find_element(By.ID, "shown").text == f"Showing {len(expect)} of 9 interactions"
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()
    WebDriverWait(browser, 5).until(lambda d: len(_visible_ids(d)) == 9)
    Select(browser.find_element(By.NAME, "severity")).select_by_value("critical")
    crit = sorted(
        i
        for i, d in docs.items()
        if any(r["outcome"] == "failed" and r["severity"] == "critical" for r in d["results"])
    )
    assert sorted(_visible_ids(browser)) == crit
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()

    # click through to the worst call
    WebDriverWait(browser, 5).until(lambda d: len(_visible_ids(d)) == 9)
    browser.find_element(By.CSS_SELECTOR, "#table a[href='#i/call-04-collections-threats']").click()
    detail = browser.find_element(By.ID, "view-detail")
    assert detail.is_displayed()
    assert "call-04-collections-threats" in detail.find_element(By.CSS_SELECTOR, "h2").text
    doc = docs["call-04-collections-threats"]
    failed_rows = detail.find_elements(By.CSS_SELECTOR, "tr.finding[data-outcome=failed]")
    assert {r.get_attribute("data-rule") for r in failed_rows} == _failed(doc)
    turns = detail.find_elements(By.CSS_SELECTOR, ".conversation .turn")
    assert len(turns) == len(doc["transcript"]["turns"])
    assert detail.find_elements(By.CSS_SELECTOR, "mark.ev-violation")  # threats, in place
    assert detail.find_elements(By.CSS_SELECTOR, ".conversation .mask")  # masked values
    required = {
        k
        for k in _failed(doc)
        if any(f"{r['pack']}/{r['rule']}" == k and r["kind"] == "required" for r in doc["results"])
    }
    near_rows = detail.find_elements(By.CSS_SELECTOR, "table.near-misses tbody tr")
    assert {r.find_element(By.CSS_SELECTOR, "td").text for r in near_rows} == required
    # an evidence link brings its turn into view
    link = detail.find_element(By.CSS_SELECTOR, "tr.finding[data-outcome=failed] a.evlink")
    link.click()
    target = detail.find_element(By.ID, f"turn-{link.get_attribute('data-turn')}")
    assert "flash" in target.get_attribute("class")
    shot = tmp_path / "call-04.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 20_000

    # every interaction page shows every failed rule
    for i, d in docs.items():
        browser.execute_script("location.hash = arguments[0]", "i/" + i)
        WebDriverWait(browser, 5).until(
            lambda b, i=i: i in b.find_element(By.CSS_SELECTOR, "#view-detail h2").text
        )
        rows = browser.find_elements(
            By.CSS_SELECTOR, "#view-detail tr.finding[data-outcome=failed]"
        )
        assert {r.get_attribute("data-rule") for r in rows} == _failed(d), i
    browser.back()  # history works as in any site
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_unredacted_findings_show_no_text_unless_asked(
    unredacted_scan: Path, tmp_path: Path
) -> None:
    out = _copy(unredacted_scan, tmp_path / "out")
    build_report(out)
    html = (out / "report.html").read_text()
    name = "Aisha Khan"  # a customer in chat-01, present in the unredacted findings
    assert name in json.dumps(load(out, "chat-01-complaint-handled"))
    assert name not in html and "scanned with --keep-unredacted" in html
    assert name not in (out / "results.csv").read_text(encoding="utf-8-sig")
    build_report(out, keep_unredacted=True)
    assert name in (out / "report.html").read_text()


def test_fail_on_gates_the_exit_code(tmp_path: Path) -> None:
    chats = SAMPLES / "chats"
    res = run_cli("scan", str(chats), "--out", str(tmp_path / "a"), "--fail-on", "critical")
    assert res.returncode == 4, res.stderr
    assert "chat-02-vulnerable-no-support: contact-centre-core/vulnerability-support" in res.stderr
    assert (tmp_path / "a" / "report.html").is_file()  # written automatically
    assert run_cli("report", str(tmp_path / "a"), "--fail-on", "high").returncode == 4
    # an interaction that passes everything does not trip even the lowest gate
    res = run_cli(
        "scan",
        str(chats / "chat-01-complaint-handled.txt"),
        "--out",
        str(tmp_path / "b"),
        "--fail-on",
        "low",
        "--no-report",
    )
    assert res.returncode == 0, res.stderr
    assert not (tmp_path / "b" / "report.html").exists()
    assert run_cli("report", str(tmp_path / "b"), "--fail-on", "low").returncode == 0
    assert run_cli("report", str(tmp_path / "nowhere")).returncode == 2


def test_hostile_text_is_shown_as_text_and_csv_cells_cannot_be_formulas(
    browser, tmp_path: Path
) -> None:
    src = tmp_path / "in" / "=HYPERLINK(1).txt"
    src.parent.mkdir()
    src.write_text(
        "Agent: Hello, you're chatting with Sam at Northwind Bank. "
        "<img src=x onerror=\"document.title='pwned'\"></script><b>bold</b>\n"
        "Customer: I want to make a complaint.\n"
    )
    out = tmp_path / "out"
    scan([src.parent], out)
    build_report(out)
    (row,) = list(csv.DictReader((out / "interactions.csv").open(newline="", encoding="utf-8-sig")))
    assert row["source_file"] == "'=HYPERLINK(1).txt"  # a spreadsheet shows it, never runs it
    _open(browser, out / "report.html", "#i/" + row["interaction_id"])
    detail = browser.find_element(By.ID, "view-detail")
    assert row["interaction_id"] in detail.find_element(By.CSS_SELECTOR, "h2").text
    assert browser.title != "pwned"
    assert not detail.find_elements(By.CSS_SELECTOR, ".conversation img, .conversation b")
    assert "<b>bold</b>" in detail.find_element(By.CSS_SELECTOR, ".conversation").text


def test_redacted_audio_plays_in_the_report(browser, tmp_path: Path) -> None:
    call = SAMPLES / "calls" / "call-01-card-payment.wav"
    res = run_cli("scan", str(call), "--out", str(tmp_path), "--redact-audio", "tone", "-q")
    assert res.returncode == 0, res.stderr
    _open(browser, tmp_path / "report.html", "#i/call-01-card-payment")
    audio = browser.find_element(By.CSS_SELECTOR, "#view-detail audio")
    assert audio.get_attribute("src").endswith("call-01-card-payment.redacted.wav")
    browser.execute_script("arguments[0].load()", audio)
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return arguments[0].readyState", audio) >= 1
    )
    duration = browser.execute_script("return arguments[0].duration", audio)
    assert duration == pytest.approx(59.56, abs=0.5)
    # a turn's time seeks the player
    browser.find_elements(By.CSS_SELECTOR, "#view-detail [data-seek]")[3].click()
    assert browser.execute_script("return arguments[0].currentTime", audio) > 10


def test_a_thousand_chat_report_opens_and_filters(
    default_scan: Path, browser, tmp_path: Path
) -> None:
    """1000 interactions: the chats' real findings, each under new ids, agents and dates."""
    chats = [load(default_scan, p.stem) for p in sorted((SAMPLES / "chats").glob("chat-*"))]
    out = tmp_path / "big"
    out.mkdir()
    for n in range(1000):
        doc = json.loads(json.dumps(chats[n % len(chats)]))
        doc["id"] = f"chat-{n:04d}"
        doc["interaction"]["metadata"] = {
            "agent_id": f"A-{n % 40:03d}",
            "team": ("payments", "sales", "collections")[n % 3],
            "date": f"2026-10-{1 + n % 28:02d}",
        }
        (out / f"chat-{n:04d}.json").write_text(json.dumps(doc))
    t0 = time.perf_counter()
    build_report(out)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    _open(browser, out / "report.html", "#interactions")
    opened = time.perf_counter() - t0
    print(f"1000-interaction report: built in {built:.2f} s, opened in {opened:.2f} s")
    assert len(_visible_ids(browser)) == 1000
    Select(browser.find_element(By.NAME, "agent")).select_by_visible_text("A-007")
    WebDriverWait(browser, 20).until(lambda d: len(_visible_ids(d)) == 25)
    browser.find_element(By.CSS_SELECTOR, "#table a[href='#i/chat-0967']").click()
    # The detail view is drawn on hashchange, which fires after click() returns.
    WebDriverWait(browser, 20).until(
        lambda d: "chat-0967" in d.find_element(By.CSS_SELECTOR, "#view-detail h2").text
    )
    assert browser.find_elements(By.CSS_SELECTOR, "#view-detail .conversation .turn")
    assert verify(out).leaks == ()


# ---- how the conversation went: timeline, figures, batch tables, CSV columns ----------------

# a call's figures, known: the agent talks over the customer at 31 s, two silences
EDITED = {
    "measured_from": "voice-activity",
    "attribution": {"method": "channel", "confidence": 1.0},
    "span": [0.5, 50.0],
    "non_talk_min_seconds": 3.0,
    "non_talk_seconds": 10.2,
    "non_talk": [
        {"start": 20.0, "end": 25.2, "seconds": 5.2},
        {"start": 40.0, "end": 45.0, "seconds": 5.0},
    ],
    "longest_silence_seconds": 5.2,
    "talk_seconds": {"agent": 22.5, "customer": 15.8},
    "agent_talk_ratio": 0.587,
    "interruptions": {"agent": 1, "customer": 0},
    "interruption_list": [{"by": "agent", "at": 31.0, "seconds": 2.0}],
    "overlap_seconds": 2.0,
    "overlaps": [[31.0, 33.0]],
    "words_per_minute": {"agent": 190.0, "customer": None},
    "talk": {
        "agent": [[0.5, 8.0], [14.0, 20.0], [31.0, 40.0]],
        "customer": [[9.0, 12.0], [25.2, 33.0], [45.0, 50.0]],
    },
    "sentiment": {
        "agent": {"quarters": [0.5, 0.3, 0.1, 0.2], "mean": 0.275, "end": 0.2},
        "customer": {"quarters": [0.2, None, -0.1, -0.4], "mean": -0.1, "end": -0.4},
    },
}


@pytest.fixture(scope="module")
def conversation_report(default_scan: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real findings, one of them with known figures and a failed silence rule, and one from
    before figures were measured (no `conversation`)."""
    out = tmp_path_factory.mktemp("report-conversation")
    for name in (
        "call-01-card-payment",
        "call-03-collections-plan",
        "chat-02-vulnerable-no-support",
    ):
        shutil.copy(default_scan / f"{name}.json", out)
    doc = load(default_scan, "call-01-card-payment")
    doc["id"] = "call-edited"
    doc["conversation"] = {**doc["conversation"], **EDITED}
    (dead_air,) = [r for r in doc["results"] if r["rule"] == "no-long-dead-air"]
    dead_air.update(
        outcome="failed",
        reason="1 silence over 5 s with no announcement before (longest 5.2 s)",
        evidence=[
            {
                "turn": 1,
                "speaker": doc["transcript"]["turns"][1]["speaker"],
                "start": 20.0,
                "end": 25.2,
                "score": 100.0,
                "matched": "silence of 5.2 s",
            }
        ],
    )
    # a mask written before spans had times: placed from its words' times
    del doc["redaction"]["spans"][0]["start"], doc["redaction"]["spans"][0]["end"]
    (out / "call-edited.json").write_text(json.dumps(doc))
    old = load(default_scan, "call-05-energy-sales")
    old["id"] = "call-old"
    del old["conversation"]
    old["results"] = [r for r in old["results"] if r["kind"] != "measured"]
    (out / "call-old.json").write_text(json.dumps(old))
    files = build_report(out)
    assert files.interactions == 5 and not files.unreadable
    return out


def _detail(browser, report: Path, interaction: str):
    _open(browser, report / "report.html", "#i/" + interaction)
    WebDriverWait(browser, 20).until(
        lambda d: interaction in d.find_element(By.CSS_SELECTOR, "#view-detail h2").text
    )
    return browser.find_element(By.ID, "view-detail")


def test_call_timeline_has_a_lane_per_party_silences_and_talk_over(
    conversation_report: Path, browser
) -> None:
    doc = load(conversation_report, "call-edited")
    detail = _detail(browser, conversation_report, "call-edited")
    timeline = WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#view-detail svg.timeline")
    )
    lanes = timeline.find_elements(By.CSS_SELECTOR, "g.lane")
    assert [g.get_attribute("data-party") for g in lanes] == ["agent", "customer"]
    for g in lanes:
        party = g.get_attribute("data-party")
        spans = g.find_elements(By.CSS_SELECTOR, "rect.talk")
        assert len(spans) == len(EDITED["talk"][party]) == 3
    silences = timeline.find_elements(By.CSS_SELECTOR, "g.silence")
    assert [s.text for s in silences] == ["5.2 s", "5.0 s"]
    assert len(timeline.find_elements(By.CSS_SELECTOR, "rect.overlap")) == 1
    assert len(timeline.find_elements(By.CSS_SELECTOR, "g.interruption[data-by=agent]")) == 1
    assert not timeline.find_elements(By.CSS_SELECTOR, "g.interruption[data-by=customer]")
    # every masked value is on the timeline, the one without times placed by its words
    masks = timeline.find_elements(By.CSS_SELECTOR, "rect.mask-span")
    assert len(masks) == len(doc["redaction"]["spans"]) > 0
    # the failed silence rule's evidence lies under the silence, and goes to its turn
    (breach,) = timeline.find_elements(By.CSS_SELECTOR, "rect.ev.ev-violation")
    shaded = silences[0].find_element(By.CSS_SELECTOR, "rect.non-talk")
    assert breach.get_attribute("x") == shaded.get_attribute("x")
    assert breach.get_attribute("width") == shaded.get_attribute("width")
    title = breach.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert "contact-centre-core/no-long-dead-air: failed" in title and "silence of 5.2 s" in title
    breach.click()
    assert "flash" in detail.find_element(By.ID, "turn-1").get_attribute("class")
    row = detail.find_element(
        By.CSS_SELECTOR, "tr.finding[data-rule='contact-centre-core/no-long-dead-air']"
    )
    assert "silence of 5.2 s" in row.text  # a measured rule's evidence says what it measured

    figures = {
        r.find_element(By.TAG_NAME, "th").text: r.find_element(By.TAG_NAME, "td").text
        for r in detail.find_elements(By.CSS_SELECTOR, "table.conversation-metrics tr")
    }
    assert figures["Who spoke when"] == "one channel per party, confidence 1.00"
    assert figures["Non-talk time"].startswith("10.2 s (21% of first to last speech)")
    assert figures["Longest silence"] == "5.2 s"
    assert figures["Talk time"] == "agent 22.5 s, customer 15.8 s"
    assert figures["Agent talk share"] == "59%"
    assert figures["Interruptions"] == "by the agent 1, by the customer 0"
    assert figures["Talking over each other"] == "2.0 s"
    assert figures["Words per minute"] == "agent 190, customer not measured"
    customer = detail.find_element(By.CSS_SELECTOR, "table.sentiment tr[data-party=customer]")
    cells = [td.text for td in customer.find_elements(By.TAG_NAME, "td")]
    assert cells == ["+0.20", "–", "-0.10", "-0.40", "-0.10", "-0.40"]

    # a mono call: talk as the findings give it, who spoke when said to be inferred
    mono = load(conversation_report, "call-03-collections-plan")
    assert mono["conversation"]["attribution"]["method"] == "inferred"
    detail = _detail(browser, conversation_report, "call-03-collections-plan")
    timeline = WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#view-detail svg.timeline")
    )
    for party, spans in mono["conversation"]["talk"].items():
        drawn = timeline.find_elements(By.CSS_SELECTOR, f"g.lane[data-party={party}] rect.talk")
        assert len(drawn) == len(spans)
    assert len(timeline.find_elements(By.CSS_SELECTOR, "g.silence")) == len(
        mono["conversation"]["non_talk"]
    )
    inferred = detail.find_element(By.CSS_SELECTOR, "table.conversation-metrics td.inferred")
    assert inferred.text.startswith("inferred from a mono recording, confidence")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_a_chat_has_reply_times_and_sentiment_but_no_timeline(
    conversation_report: Path, browser
) -> None:
    doc = load(conversation_report, "chat-02-vulnerable-no-support")
    detail = _detail(browser, conversation_report, "chat-02-vulnerable-no-support")
    figures = WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#view-detail .conversation-figures")
    )
    assert figures.get_attribute("data-kind") == "chat"
    assert not detail.find_elements(By.CSS_SELECTOR, "svg.timeline")
    delays = doc["conversation"]["response_delays"]
    rows = figures.find_elements(By.CSS_SELECTOR, "table.response-delays tbody tr")
    assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == list(delays)
    for r in rows:
        d = delays[r.find_element(By.TAG_NAME, "th").text]
        cells = [td.text for td in r.find_elements(By.TAG_NAME, "td")]
        assert cells == [
            f"{d['mean_seconds']:.1f} s",
            f"{d['longest_seconds']:.1f} s",
            str(d["replies"]),
        ]
    end = doc["conversation"]["sentiment"]["customer"]["end"]
    customer = figures.find_element(By.CSS_SELECTOR, "table.sentiment tr[data-party=customer]")
    assert customer.find_elements(By.TAG_NAME, "td")[-1].text == f"{end:+.2f}"


def test_findings_without_conversation_figures_still_render(
    conversation_report: Path, browser
) -> None:
    doc = load(conversation_report, "call-old")
    assert "conversation" not in doc
    detail = _detail(browser, conversation_report, "call-old")
    assert not detail.find_elements(By.CSS_SELECTOR, ".conversation-figures, svg.timeline")
    turns = detail.find_elements(By.CSS_SELECTOR, ".conversation .turn")
    assert len(turns) == len(doc["transcript"]["turns"])
    rows = detail.find_elements(By.CSS_SELECTOR, "tr.finding[data-outcome=failed]")
    assert {r.get_attribute("data-rule") for r in rows} == _failed(doc)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_batch_tables_of_conversation_figures_per_agent_and_team(
    conversation_report: Path, browser
) -> None:
    docs = load_dir(conversation_report).docs
    _open(browser, conversation_report / "report.html")
    rows = browser.find_elements(By.CSS_SELECTOR, "#conversation-agents tbody tr")
    by_agent = {r.get_attribute("data-name"): r for r in rows}
    with_figures = {d["interaction"]["metadata"]["agent_id"] for d in docs if "conversation" in d}
    assert set(by_agent) == with_figures
    mine = [d for d in docs if d["interaction"]["metadata"]["agent_id"] == "A-1042"]
    assert {d["id"] for d in mine} == {"call-01-card-payment", "call-edited"}
    span = sum(d["conversation"]["span"][1] - d["conversation"]["span"][0] for d in mine)
    non_talk = sum(d["conversation"]["non_talk_seconds"] for d in mine)
    cells = [td.text for td in by_agent["A-1042"].find_elements(By.TAG_NAME, "td")]
    ends = [d["conversation"]["sentiment"]["customer"]["end"] for d in mine]
    assert cells[1:4] == ["2", "2", f"{non_talk / span * 100:.0f}%"]
    assert cells[5:7] == ["1", "0"]  # the agent interrupted once, the customer never
    assert cells[8] == f"{sum(ends) / 2:+.2f} (2)"
    assert by_agent["A-1042"].find_elements(By.CSS_SELECTOR, "svg.mini")
    chat_agent = by_agent["A-3301"]  # a chat: sentiment, no call figures
    cells = [td.text for td in chat_agent.find_elements(By.TAG_NAME, "td")]
    assert cells[2:4] == ["0", "n/a"] and cells[5:7] == ["", ""]
    teams = browser.find_elements(By.CSS_SELECTOR, "#conversation-teams tbody tr")
    assert {t.get_attribute("data-name") for t in teams} == {
        d["interaction"]["metadata"]["team"] for d in docs if "conversation" in d
    }


CSV_FIGURES = {
    "non_talk_seconds": ("non_talk_seconds",),
    "longest_silence_seconds": ("longest_silence_seconds",),
    "agent_talk_seconds": ("talk_seconds", "agent"),
    "customer_talk_seconds": ("talk_seconds", "customer"),
    "agent_talk_ratio": ("agent_talk_ratio",),
    "agent_interruptions": ("interruptions", "agent"),
    "customer_interruptions": ("interruptions", "customer"),
    "overlap_seconds": ("overlap_seconds",),
    "agent_wpm": ("words_per_minute", "agent"),
    "customer_wpm": ("words_per_minute", "customer"),
    "customer_sentiment_end": ("sentiment", "customer", "end"),
    "agent_sentiment_end": ("sentiment", "agent", "end"),
}


def test_interactions_csv_has_the_conversation_figures(
    conversation_report: Path, sample_report: Path
) -> None:
    for out in (conversation_report, sample_report):
        with (out / "interactions.csv").open(newline="", encoding="utf-8-sig") as fh:
            per = {r["interaction_id"]: r for r in csv.DictReader(fh)}
        for d in load_dir(out).docs:
            row, c = per[d["id"]], d.get("conversation") or {}
            assert row["conversation_measured_from"] == c.get("measured_from", "")
            for column, path in CSV_FIGURES.items():
                value = c
                for key in path:
                    value = (value or {}).get(key)
                if value is None:
                    assert row[column] == "", (d["id"], column)
                else:
                    assert float(row[column]) == pytest.approx(value), (d["id"], column)
    with (conversation_report / "interactions.csv").open(newline="", encoding="utf-8-sig") as fh:
        per = {r["interaction_id"]: r for r in csv.DictReader(fh)}
    edited = per["call-edited"]
    assert (edited["non_talk_seconds"], edited["agent_interruptions"]) == ("10.2", "1")
    assert edited["customer_wpm"] == "" and edited["customer_sentiment_end"] == "-0.4"
    assert all(per["call-old"][c] == "" for c in ("conversation_measured_from", *CSV_FIGURES))
    chat = per["chat-02-vulnerable-no-support"]
    assert chat["non_talk_seconds"] == "" and chat["customer_sentiment_end"] != ""
