"""A Russian report is Russian: no raw id and no English sentence in the report of any example, first page or full.

What may stay in Latin letters, because it is not language: the quotes of the sources (verbatim, in quotation
marks), the bibliography's original titles (the names a reader searches for), rule ids (references, like
pinpoints), case data as the worker typed it (the case reference, a charge), ISO codes, dates and version numbers.
Everything else — headings, answers, coded values, fact names, notes, questions — must be translated.
"""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

import pytest

from refugee_rules import assess
from refugee_rules.api import load_rulesets
from refugee_rules.case.facts import catalogue
from refugee_rules.case.inputs import read_profile
from refugee_rules.views.i18n import catalog
from refugee_rules.views.report import render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "profiles").glob("*.yaml"))
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z][a-z']+(?:[ ,;:]+[A-Za-z][a-z']+){3,}")
"""Four English words in a row: a sentence (or a label) left untranslated."""
DOTTED_OR_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def book():
    return load_rulesets()


def _allowed_ids(book) -> set[str]:
    return set(book.rules)


def _raw_ids(book) -> set[str]:
    """What must never appear in a Russian report: finding ids, fact paths, coded values with an underscore,
    group ids."""
    ids = set(book.findings) | set(catalogue())
    for spec in catalogue().values():
        ids.update(v for v in spec.values if "_" in v)
        for sub in spec.item_fields.values():
            ids.update(v for v in sub.values if "_" in v)
    ids.update({"article_1a2", "article_1a2_nexus", "military_service", "country_evidence"})
    return ids


def _strip_allowed(text: str, case_data: list[str]) -> str:
    for value in case_data:
        text = text.replace(value, "")
    text = re.sub(r'"[^"\n]*"|“[^”\n]*”|«[^»\n]*»', "", text)  # quotes are verbatim
    if "Цитируемые источники" in text:  # the bibliography keeps the original titles
        head, tail = text.split("Цитируемые источники", 1)
        tail = tail.split("Пределы", 1)[1] if "Пределы" in tail else ""
        text = head + tail
    return text


def _case_data(profile) -> list[str]:
    """The free text the worker typed (a case reference, a charge as stated): shown as written."""
    out: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and (" " in value or "-" in value):
            out.append(value)

    walk(profile.model_dump(mode="json", exclude_none=True))
    return sorted(set(out), key=len, reverse=True)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_russian_report_of_every_example_has_no_english_sentence_or_raw_id(path, book):
    profile = read_profile(path)
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    rule_ids, raw = _allowed_ids(book), _raw_ids(book)
    for fmt, depth in (("text", "summary"), ("text", "full"), ("html", "summary"), ("markdown", "summary")):
        out = render(a, fmt, lang="ru", depth=depth, width=100_000)
        if fmt == "html":
            out = _html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", out, flags=re.S))
        text = _strip_allowed(out, _case_data(profile))
        english = [m for m in ENGLISH_SENTENCE.findall(text) if not m.startswith("refugee-rules")]
        assert not english, (path.stem, fmt, depth, english[:5])
        leaked = {m for m in DOTTED_OR_SNAKE.findall(text) if m not in rule_ids and m in raw}
        assert not leaked, (path.stem, fmt, depth, sorted(leaked)[:10])


def test_russian_plural_forms_follow_the_number():
    a = assess({"nationalities": ["RU"], "documents": {"travel_passport": {"held": True}},
                "location": {"country": "GE", "since": "2023-03-20"}}, as_of="2024-03-01", engine="compiled")
    text = render(a, "text", lang="ru", width=1000)
    assert "осталось 19 дней" in text and "не более 1 года" in text
    from refugee_rules.views.report import View

    v = View(a, "ru")
    assert [v.settles(n) for n in (1, 3, 5, 21)] == ["касается 1 вывода", "касается 3 выводов", "касается 5 выводов",
                                                     "касается 21 вывода"]


def test_the_convention_and_the_handbook_are_cited_by_their_russian_titles_with_their_pinpoints():
    a = assess(read_profile(ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"), as_of="2024-03-01",
               engine="compiled")
    full = render(a, "text", lang="ru", depth="full", width=1000)
    assert "Конвенция: Конвенция о статусе беженцев (1951)" in full
    assert "Руководство УВКБ: УВКБ ООН, Руководство по процедурам и критериям определения статуса беженцев" in full
    assert "- Конвенция ст. 1A(2), абзац первый" in full and "- Руководство УВКБ ¶¶56-60" in full
    assert "Convention relating to the Status of Refugees" not in full


def test_no_russian_text_uses_they_for_one_person():
    """The client is one person: 'они' as a singular (a calque of English 'they') reads as several people. The
    Russian texts say 'человек' (and 'он', agreeing with it); the two left are real plurals (the fears; the people
    of other countries). A new text with 'они' fails here until someone reads it."""
    plural = ("обоснованны ли они", "почему они не стали диссидентами")
    they = re.compile(r"\b(?:Они|они)\b")
    offenders = [e.string for e in catalog("ru", "content") if e.id and isinstance(e.string, str) and they.search(e.string)
                 and not any(p in e.string for p in plural)]
    assert not offenders, offenders[:5]


BAD_PROFILES = {
    "fields.yaml": "nationalities: [XX, 5]\nlocation: {country: Georgia, since: 2024-02-30}\n"
                   "fear: {fears_return: maybe, agents: [stat]}\nlegal_cases: [{kind: crim, max_penalty_years: ten}]\n"
                   "nationalites: 1\nmilitary: {liable: []}\ndocuments: {visas: [{zone: moon}]}\n",
    "yaml.yaml": "a: [1\n",
    "json.json": '{"a": ',
    "list.yaml": "- 1\n- 2\n",
}


@pytest.mark.parametrize("name", sorted(BAD_PROFILES))
def test_validation_errors_are_russian_with_the_field_path_as_written(name, tmp_path, capsys):
    from refugee_rules.frontends.cli import main

    bad = tmp_path / name
    bad.write_text(BAD_PROFILES[name], encoding="utf-8")
    assert main(["assess", str(bad), "--lang", "ru"]) == 2
    err = capsys.readouterr().err
    assert "недопустимый профиль дела" in err
    text = err.replace(str(bad), "")
    text = re.sub(r"'[^']*'", "", text)  # values and field names quoted as written
    assert not ENGLISH_SENTENCE.findall(text), err
    assert not re.search(r"\b(?:Input|should|expected|unknown field|got)\b", text), err
    if name == "fields.yaml":
        assert "nationalites: неизвестное поле; возможно, имелось в виду 'nationalities'?" in err
        assert "legal_cases[0].kind: ожидалось одно из значений: 'criminal', 'administrative' (получено 'crim')" in err


def test_a_problem_is_worded_from_its_message_and_english_text_is_never_read_back():
    """Each problem of a malformed profile carries its field and message apart from its English line (which is what
    embedders and the JSON get, unchanged); the Russian comes from the message's template and values. A line that
    is only text is shown as written: nothing translates a problem by reading its English."""
    import pickle

    from refugee_rules.case.inputs import profile_from_mapping
    from refugee_rules.errors import Problem, ProfileError
    from refugee_rules.views.i18n import problem_text

    with pytest.raises(ProfileError) as raised:
        profile_from_mapping({"fear": {"fears_return": "maybe"}, "location": {"country": "Georgia"}, "nationalites": 1,
                              "destinations": ["ZZ", 3]})
    problems = raised.value.problems
    assert all(isinstance(p, Problem) for p in problems)
    by_path = {p.path: p for p in problems}
    assert str(by_path["fear.fears_return"]) == ("fear.fears_return: Input should be a valid boolean, unable to "
                                                 "interpret input (got 'maybe') — or 'unknown' if the client does not know")
    assert problem_text(by_path["fear.fears_return"], "ru") == (
        "fear.fears_return: ожидалось «да» или «нет» (true или false) (получено 'maybe') — или 'unknown', если клиент "
        "не знает")
    assert problem_text(by_path["location.country"], "ru").startswith(
        "location.country: ожидался двухбуквенный код страны ISO 3166-1, например RU, GE или KZ; получено 'GEORGIA'")
    assert problem_text(by_path["nationalites"], "ru") == \
        "nationalites: неизвестное поле; возможно, имелось в виду 'nationalities'?"
    assert [problem_text(p, "en") for p in problems] == [str(p) for p in problems]
    sent = pickle.loads(pickle.dumps(by_path["fear.fears_return"]))  # as a worker process returns it
    assert (str(sent), sent.path, sent.message) == (str(by_path["fear.fears_return"]), "fear.fears_return",
                                                    by_path["fear.fears_return"].message)
    english = "fear.fears_return: Input should be a valid boolean"  # the same words, as a plain line
    assert problem_text(english, "ru") == english
    with pytest.raises(ProfileError) as raised:
        deep: object = 1
        for _ in range(40):
            deep = [deep]
        profile_from_mapping({"fear": {"x": deep}})
    assert problem_text(raised.value.problems[0], "ru").endswith(": вложенность больше 32 уровней")
