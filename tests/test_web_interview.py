"""The browser interview at ``/``, over HTTP and without JavaScript (each step a form POST of the whole answer state):
the questions in the shared order, typed answers, "don't know", back, review and edit, the report, download and
upload, bad input named on the page, the Content-Security-Policy, no cookies, and Russian throughout."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import assess
from refugee_rules.case.facts import catalogue
from refugee_rules.frontends.interview import ABSENT, InterviewSession, value_at
from refugee_rules.frontends.service import create_app
from refugee_rules.frontends.web.pages import CSP
from refugee_rules.frontends.web.words import DOMAIN, messages
from refugee_rules.result.assessment import DISCLAIMER
from refugee_rules.views.i18n import gettext_for, missing
from refugee_rules.views.report import View

from .strategies import examples

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-03-01"
BORIS = yaml.safe_load((ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml").read_text(encoding="utf-8"))
RU_DISCLAIMER = gettext_for("ru", "content")(DISCLAIMER)


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


class Page:
    """One page of the interview as a browser without JavaScript has it: its HTML, and the form to post back."""

    def __init__(self, response: Any):
        self.response = response
        self.html = response.text
        found = re.search(r'<input type="hidden" name="state" value="([^"]*)"', self.html)
        self.state = html.unescape(found.group(1)) if found else ""
        lang = re.search(r'<html lang="(\w+)"', self.html)
        self.lang = lang.group(1) if lang else ""
        view = re.search(r'data-view="([^"]*)"', self.html)
        self.view = view.group(1) if view else ""

    @property
    def path(self) -> str | None:
        found = re.search(r'<section class="ask" id="question" data-path="([^"]+)"', self.html)
        return found.group(1) if found else None

    @property
    def errors(self) -> str:
        found = re.search(r'<div class="errors" id="errors" role="alert">(.*?)</div>', self.html, re.S)
        return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""

    @property
    def outcome(self) -> str:
        return re.search(r'data-outcome="(\w+)"', self.html).group(1)

    def post(self, client: TestClient, action: str, **fields: Any) -> Page:
        data = {"state": self.state, "lang": self.lang, "action": action, **fields}
        if self.path is not None and "at" not in fields:
            data["at"] = self.path
        return Page(client.post("/interview", data=data))


def start(client: TestClient, lang: str = "en") -> Page:
    return Page(client.post("/interview", data={"state": "", "lang": lang, "action": "start", "as_of": AS_OF}))


def _fields(path: str, value: Any) -> dict[str, Any]:
    """The form fields a person fills to give ``value`` (what the question's inputs post)."""
    spec = catalogue()[path]
    word = (lambda v: ("yes" if v else "no") if isinstance(v, bool) else str(v))
    if spec.kind == "items":
        out: dict[str, Any] = {"records": str(len(value))}
        for i, record in enumerate(value):
            out.update({f"record-{i}-{k}": word(v) for k, v in record.items()})
        return out
    if isinstance(value, list):
        return {"value": value} if value else {"none": "1"}
    return {"value": word(value)}


def interview(client: TestClient, profile: dict[str, Any], lang: str) -> tuple[Page, list[Page]]:
    """Every question answered from the profile ("don't know" where it has none), to the report."""
    page, pages = start(client, lang), []
    while page.path is not None:
        pages.append(page)
        assert not page.errors, (page.path, page.errors)
        value = value_at(profile, page.path)
        if value is ABSENT or value == "unknown":
            page = page.post(client, "unknown")
        else:
            page = page.post(client, "answer", **_fields(page.path, value))
        assert len(pages) < 120
    return page, pages


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_interview_without_javascript_ends_on_the_report_of_the_answers(client, lang):
    report, pages = interview(client, BORIS, lang)
    assert report.view == "report" and report.lang == lang
    downloaded = yaml.safe_load(report.post(client, "download:yaml").response.content)
    a = assess(downloaded, as_of=AS_OF)
    assert report.outcome == a.outcome.status == assess(BORIS, as_of=AS_OF).outcome.status
    assert html.escape(View(a, lang).outcome_label(), quote=False) in report.html
    # the questions come in the one shared order: each page asks what the session would ask next
    with InterviewSession({}, as_of=AS_OF, lang=lang) as session:
        for page in pages:
            assert page.path == session.next_questions(1)[0].path
            value = value_at(BORIS, page.path)
            session.answer(page.path, "unknown" if value is ABSENT else value)
    # answered "don't know" somewhere: the end never says nothing more can be settled, while the report counts
    # questions the client could still answer
    assert any(value_at(BORIS, page.path) is ABSENT for page in pages)
    said = html.unescape(re.sub(r"<[^>]+>", " ", report.html))
    assert ("finding them out would settle more" if lang == "en" else "если выяснить эти ответы") in said
    assert "Nothing more can be settled" not in said and "Больше ничего нельзя" not in said
    for page in [*pages, report]:  # every page says it is advice support, in its language
        assert html.escape(RU_DISCLAIMER if lang == "ru" else DISCLAIMER, quote=False) in page.html


def test_every_page_is_served_under_the_strict_policy_with_nothing_inline_and_no_cookie(client):
    first = Page(client.get("/"))
    report, pages = interview(client, {"nationalities": ["RU"], "location": {"country": "GE"}}, "en")
    review = report.post(client, "review")
    for page in [first, pages[0], pages[-1], review, report]:
        r = page.response
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["cache-control"] == "no-store" and "set-cookie" not in r.headers
        assert not re.search(r"<script(?![^>]*\ssrc=)", page.html), "an inline script"
        assert "<style" not in page.html and not re.search(r"\sstyle=", page.html), "an inline style"
        assert not re.search(r"\son[a-z]+=", page.html), "an inline event handler"
        for url in re.findall(r'(?:src|href|action)="([^"]*)"', page.html):
            assert url.startswith(("/", "#")), url  # nothing from another host
    for name in ("interview.js", "interview.css", "report-en.css", "report-ru.css"):
        r = client.get(f"/web/static/{name}")
        assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
        assert r.headers["content-type"].startswith("text/javascript" if name.endswith(".js") else "text/css")
    assert "@top-left" not in client.get("/web/static/report-en.css").text  # no case's reference in a shared file
    assert client.get("/web/static/../pages.py").status_code == 404
    assert client.get("/web/static/pages.py").status_code == 404


def test_dont_know_back_review_and_edit(client):
    page = start(client).post(client, "answer", value=["Russia"])
    assert page.path == "location.country"
    page = page.post(client, "answer", value="Грузия")  # a country by its Russian name on an English page
    assert json.loads(page.state)["profile"]["location"] == {"country": "GE"}
    asked = page.path
    page = page.post(client, "unknown")
    assert json.loads(page.state)["profile"] == {"nationalities": ["RU"], "location": {"country": "GE"},
                                                 **_nested(asked, "unknown")}
    assert page.path != asked  # a fact answered "don't know" is not asked again
    back = page.post(client, "back")
    assert back.path == asked and "Answered before: the client did not know." in back.html
    back = back.post(client, "back")
    assert back.path == "location.country" and 'value="Georgia (GE)"' in back.html  # pre-filled, in the page's words
    review = back.post(client, "review")
    assert review.view == "review"
    for path in ("nationalities", "location.country", asked):
        assert f'<tr data-path="{path}">' in review.html and f'value="edit:{path}"' in review.html
    assert "Georgia (GE)" in review.html and "don&#39;t know" in review.html
    edit = review.post(client, "edit:location.country")
    assert edit.path == "location.country"
    page = edit.post(client, "answer", value="Armenia (AM)")
    assert json.loads(page.state)["profile"]["location"] == {"country": "AM"}
    assert json.loads(page.state)["order"] == ["nationalities", "location.country", asked]  # its place is kept
    first = start(client).post(client, "back")
    assert first.path == "nationalities" and "nothing to go back to" in first.html


def _nested(path: str, value: Any) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    return {head: _nested(rest, value) if rest else value}


def test_after_each_answer_the_outcome_red_flags_and_changes_are_shown_in_the_reports_marks(client):
    page = start(client).post(client, "answer", value=["RU"]).post(client, "answer", value="Georgia")
    assert page.outcome == "undetermined"
    flags = re.search(r'<section class="red-flags" id="red-flags">(.*?)</section>', page.html, re.S).group(1)
    assert "RISK FLAGGED" in flags  # where the person is now: a risk of refusal on re-entry to Georgia
    assert re.search(r'<section class="changed" id="changed">.*?Outside the country of nationality', page.html, re.S)
    # a ban, a risk or a clause that applies never carries the colour or the words of good news
    for tone, text in re.findall(r'<li class="tone-(\w+)[^"]*">(.*?)</li>', page.html, re.S):
        if any(word in text for word in ("RISK FLAGGED", "ENTRY REFUSED", "APPEARS TO APPLY", "EXCEEDED")):
            assert tone == "warning", text
        if tone == "good":
            assert "appears met" in text or "allowed" in text or "open" in text, text
    assert 'href="/rules/finding/outside_country' in page.html  # a finding's title links to the rules explorer


def test_the_report_is_the_html_report_with_its_appendix_and_links(client):
    report = start(client).post(client, "answer", value=["RU"]).post(client, "answer", value="GE").post(client, "report")
    assert report.view == "report"
    for part in ('id="red-flags"', 'id="outcome"', 'id="checklist"', 'id="destinations"', 'id="appendix" open',
                 'id="bibliography"'):
        assert part in report.html, part
    assert re.search(r'<h3><span class="mark">[^<]*</span> <a href="/rules/finding/\w+">', report.html)
    russian = report.post(client, "show", lang="ru", view="report")
    assert re.search(r'<h3><span class="mark">[^<]*</span> <a href="/rules/finding/\w+\?lang=ru">', russian.html)
    assert 'data-print' in report.html and 'value="finish"' in report.html


@pytest.mark.parametrize("path,fields,stored,widget,prefilled", [
    ("fear.fears_return", {"value": "yes"}, True, 'type="radio" name="value" value="yes"', 'value="yes" checked'),
    ("country_evidence.ru_unlawful_war_conscription", {"value": "rejected"}, "rejected", 'value="accepted"',
     'value="rejected" checked'),
    ("location.since", {"value": "06.10.2022"}, "2022-10-06", 'type="date" name="value"', 'value="2022-10-06"'),
    ("former_habitual_residence", {"value": "казахстан"}, "KZ", 'list="countries"', 'name="value" value="Kazakhstan (KZ)"'),
    ("detentions", {"value": "2"}, 2, 'type="number" name="value"', 'value="2"'),
    ("identity.religion", {"value": "Buddhist"}, "Buddhist", 'type="text" name="value"', 'value="Buddhist"'),
    ("fear.agents", {"value": ["state", "non_state"]}, ["state", "non_state"], 'type="checkbox" name="value"',
     'value="non_state" checked'),
    ("destinations", {"value": ["Georgia (GE)", "Армения", ""]}, ["GE", "AM"], 'type="text" name="value" value=""',
     'name="value" value="Armenia (AM)"'),
    ("destinations", {"none": "1"}, [], 'name="none"', 'name="none" value="1" checked'),
    ("documents.visas", {"records": "2", "record-0-type": "tourist", "record-0-zone": "schengen",
                         "record-0-issuing_state": "Finland", "record-0-valid_until": "2024-01-01",
                         "record-0-issued_by_other_schengen_state": "unknown"},
     [{"type": "tourist", "zone": "schengen", "issuing_state": "FI", "issued_by_other_schengen_state": "unknown",
       "valid_until": "2024-01-01"}], '<select name="record-0-zone"', '<option value="schengen" selected>'),
])
def test_each_kind_of_question_is_asked_with_its_inputs_and_read_into_the_profile(client, path, fields, stored, widget,
                                                                                  prefilled):
    page = start(client).post(client, f"edit:{path}")
    assert page.path == path and widget in page.html
    answered = page.post(client, "answer", **fields)
    assert not answered.errors, answered.errors
    assert value_at(json.loads(answered.state)["profile"], path) == stored
    again = answered.post(client, f"edit:{path}")  # shown again as given, to edit
    assert prefilled in again.html and prefilled not in page.html
    assert again.path == path and again.post(client, "answer", **fields).state == answered.state


@pytest.mark.parametrize("lang,words", [("en", "expected a date YYYY-MM-DD"), ("ru", "ожидается дата")])
def test_bad_input_is_named_on_the_page_in_its_language(client, lang, words):
    page = start(client, lang).post(client, "edit:location.since")
    bad = page.post(client, "answer", value="31.02.2024")
    assert bad.response.status_code == 422 and bad.path == "location.since"
    assert "location.since" in bad.errors and words in bad.errors and "Traceback" not in bad.html
    assert 'value="31.02.2024"' in bad.html  # what was typed is shown again
    nowhere = start(client, lang).post(client, "answer", value=["Narnia"])
    assert nowhere.path == "nationalities" and "nationalities" in nowhere.errors and "Narnia" in nowhere.errors
    empty = start(client, lang).post(client, "answer")
    assert empty.path == "nationalities" and "nationalities" in empty.errors
    record = start(client, lang).post(client, "edit:legal_cases").post(
        client, "answer", records="1", **{"record-0-kind": "criminal", "record-0-max_penalty_years": "many"})
    assert "legal_cases[0].max_penalty_years" in record.errors
    assert 'value="many"' in record.html and '<option value="criminal" selected>' in record.html


def test_a_state_that_does_not_read_back_is_a_message_not_a_traceback(client):
    for state, words in [("{not json", "state: the answers sent with the page are not valid JSON"),
                         ('{"profile": {"fear": {"fears_return": "perhaps"}}}', "fear.fears_return"),
                         ('{"profile": [], "order": []}', "state: the answers sent with the page are not"),
                         ('{"profile": {}, "as_of": "yesterday"}', "as_of: expected a date")]:
        r = client.post("/interview", data={"state": state, "lang": "en", "action": "next"})
        page = Page(r)
        assert r.status_code == 422 and page.view == "start" and words in page.errors, (state, page.errors)
    odd = Page(client.post("/interview", data={"state": '{"profile": {}, "order": 7}', "lang": "en"}))
    assert odd.path == "nationalities"  # an order that is no list of questions is no order
    odd = start(client).post(client, "answer", at="no.such.fact", value="x")  # an unknown fact: asked again
    assert odd.path == "nationalities" and odd.response.status_code == 200


def test_download_and_upload_round_trip(client):
    page = start(client).post(client, "answer", value=["RU"]).post(client, "answer", value="Georgia")
    asked = page.path
    page = page.post(client, "unknown")
    for fmt, media in [("yaml", "application/yaml"), ("json", "application/json")]:
        r = page.post(client, f"download:{fmt}").response
        assert r.headers["content-type"].startswith(media) and "set-cookie" not in r.headers
        assert r.headers["content-disposition"] == f'attachment; filename="profile.{fmt}"'
        profile = yaml.safe_load(r.content)
        assert profile == {"nationalities": ["RU"], "location": {"country": "GE"}, **_nested(asked, "unknown")}
        back = Page(client.post("/interview/upload", files={"profile": (f"saved.{fmt}", r.content)},
                                data={"lang": "ru", "as_of": AS_OF}))
        assert back.lang == "ru" and "Из файла saved." in back.html
        assert json.loads(back.state)["profile"] == profile and back.path == page.path  # on where it left off


@pytest.mark.parametrize("name,content,words", [
    ("notes.txt", b"just: [some, notes\n", "not valid YAML"),
    ("list.yaml", b"- a\n- b\n", "expected a mapping of profile fields"),
    ("typo.json", b'{"nationalites": ["RU"]}', "did you mean 'nationalities'"),
    ("empty.yaml", b"", "empty"),
    ("binary.yaml", b"\xff\xfe\x00", "not UTF-8"),
])
def test_an_uploaded_file_that_is_not_a_profile_is_named_with_its_problem(client, name, content, words):
    r = client.post("/interview/upload", files={"profile": (name, content)}, data={"lang": "en", "as_of": AS_OF})
    page = Page(r)
    assert r.status_code == 422 and page.view == "start"
    assert name in page.errors and words in page.errors, page.errors
    missing_file = Page(client.post("/interview/upload", data={"lang": "en"}))
    assert missing_file.view == "start" and missing_file.errors


def test_an_unforeseen_failure_is_a_page_without_its_detail(client, monkeypatch):
    from refugee_rules.frontends.web import pages

    def broken(*args, **kwargs):
        raise RuntimeError("PRIVATE-FACT-4471")

    monkeypatch.setattr(pages, "question_page", broken)
    r = start(client).response
    assert r.status_code == 500 and "internal error (RuntimeError)" in r.text and "PRIVATE-FACT" not in r.text
    assert r.headers["content-security-policy"] == CSP
    cut = client.post("/interview/upload", content=b"--x\r\nContent-Disposition: form-data; name=\"profile\"",
                      headers={"content-type": "multipart/form-data; boundary=x"})
    assert cut.status_code == 422 and Page(cut).view == "start" and Page(cut).errors


def test_case_data_is_escaped_on_every_page(client):
    hostile = {"case_ref": "<script>alert(1)</script>", "nationalities": ["RU"],
               "legal_cases": [{"kind": "criminal", "charge": '"><img src=x onerror=alert(1)>'}]}
    r = client.post("/interview/upload", files={"profile": ("x.json", json.dumps(hostile).encode())},
                    data={"lang": "en", "as_of": AS_OF})
    page = Page(r)
    for shown in (page, page.post(client, "review"), page.post(client, "report"), page.post(client, "edit:legal_cases")):
        assert "<script>alert" not in shown.html and "<img src=x" not in shown.html, shown.view


def test_finish_clears_and_the_start_page_is_in_both_languages(client):
    done = start(client).post(client, "finish")
    assert done.view == "start" and 'data-finished="1"' in done.html and done.state == ""
    ru = Page(client.get("/?lang=ru"))
    assert ru.lang == "ru" and "Начать интервью" in ru.html
    assert Page(client.get("/?lang=xx")).lang == "en"
    assert Page(client.get("/", headers={"accept-language": "ru-RU,ru;q=0.9,en;q=0.8"})).lang == "ru"
    assert Page(client.get("/?lang=en", headers={"accept-language": "ru"})).lang == "en"
    switched = start(client).post(client, "show", lang="ru", view="question:nationalities")
    assert switched.lang == "ru" and switched.path == "nationalities"


def test_every_label_of_the_interview_has_its_russian():
    ids = list(dict.fromkeys(m for m, _where in messages()))
    assert len(ids) > 50
    lacking = missing("ru", DOMAIN, ids)
    assert not lacking, ("run `.venv/bin/python -m refugee_rules.views.i18n update` and fill msgstr in "
                         f"src/refugee_rules/locale/ru/LC_MESSAGES/{DOMAIN}.po:\n" + "\n".join(map(str, lacking)))


def _item_field_texts() -> list[tuple[str, str]]:
    """(where, text) of what a record's field asks: its question (its description where it has none), and its
    question to the client."""
    return [(f"{path}[].{name}", text) for path, spec in catalogue().items() for name, sub in spec.item_fields.items()
            for text in (sub.question or sub.description, sub.client_question) if text]


def test_every_question_of_a_records_field_has_its_russian():
    texts = _item_field_texts()
    assert len(texts) >= 44  # the fields of visas, residence permits, penalties, legal cases … really were read
    lacking = [(where, text) for where, text in texts if missing("ru", "content", [text])]
    assert not lacking, ("run `.venv/bin/python -m refugee_rules.views.i18n update` and fill msgstr in "
                         "src/refugee_rules/locale/ru/LC_MESSAGES/content.po:\n"
                         + "\n".join(f"  - {where}: {text!r}" for where, text in lacking))


def test_a_records_fields_are_asked_by_their_russian_question(client):
    page = start(client, "ru").post(client, "show", lang="ru", view="question:documents.visas")
    assert page.lang == "ru" and page.path == "documents.visas"
    labels = [html.unescape(x) for x in re.findall(r'<span class="field-label">([^<]*)</span>', page.html)]
    t = gettext_for("ru", "content")
    fields = catalogue()["documents.visas"].item_fields
    expected = [t(sub.question) for sub in fields.values()]
    assert all(q != sub.question for q, sub in zip(expected, fields.values()))  # each has its Russian
    assert labels[:len(fields)] == expected
    assert "Какое государство выдало визу?" in labels


_PATHS = sorted(p for p in catalogue() if p != "as_of")


@pytest.mark.property
@settings(max_examples=examples(400), deadline=None, suppress_health_check=list(HealthCheck))
@given(action=st.sampled_from(["answer", "unknown", "more", "back", "review", "report", "next", "show", "edit:",
                               "download:yaml", "download:xml", "finish", "start", "", "x"]),
       at=st.sampled_from(_PATHS) | st.text(max_size=12),
       values=st.lists(st.text(max_size=12) | st.sampled_from(["yes", "no", "unknown", "GE", "2024-02-30", "-1",
                                                             "1e999", "state", "Грузия (XX)"]), max_size=3),
       records=st.sampled_from(["", "1", "3", "-2", "999999", "x"]),
       state=st.sampled_from(["", '{"profile": {"nationalities": ["RU"]}, "order": ["nationalities"]}', "{", "[]"]),
       lang=st.sampled_from(["en", "ru", "xx"]))
def test_no_form_post_is_answered_with_a_failure(client, action, at, values, records, state, lang):
    """Whatever a form posts (a tampered page, a robot), the answer is a page or a file, never a 500."""
    action = f"edit:{at}" if action == "edit:" else action
    data = {"state": state, "lang": lang, "action": action, "at": at, "value": values, "records": records,
            "record-0-kind": values[0] if values else "", "record-0-max_penalty_years": values[-1] if values else "",
            "view": f"question:{at}", "as_of": values[0] if values else ""}
    r = client.post("/interview", data=data)
    assert r.status_code in (200, 400, 422), (r.status_code, r.text[:300])
    assert r.headers["content-security-policy"] == CSP and "Traceback" not in r.text
