"""`refugee-rules interview` driven as a person would: in a pseudo-terminal (pexpect), English and Russian."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from tests.terminal import ctrl_c_as_at_a_terminal

pexpect = pytest.importorskip("pexpect")

EXE = str(Path(sys.executable).parent / "refugee-rules")
TIMEOUT = 120
QUESTION = re.compile(r"\[([a-z0-9_.]+): ([^\r\n]*)\]\r?\n> ")


def _spawn(*args: str) -> "pexpect.spawn":
    child = pexpect.spawn(EXE, ["interview", *args], encoding="utf-8", timeout=TIMEOUT, dimensions=(50, 200),
                          preexec_fn=ctrl_c_as_at_a_terminal)
    return child


def _ends(child: "pexpect.spawn", *lines: str, status: int = 0) -> None:
    """The interview's last lines, in order (regular expressions), then its end with this exit status."""
    for line in lines:
        child.expect(line)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == status


def _next_path(child: "pexpect.spawn") -> tuple[str, str]:
    child.expect(QUESTION)
    return child.match.group(1), child.match.group(2)


def test_english_interview_validates_records_unknown_shows_changes_and_saves(tmp_path):
    start = tmp_path / "start.yaml"
    start.write_text("nationalities: [RU]\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    child = _spawn(str(start), "--as-of", "2024-03-01", "--save", str(out))
    child.expect("Guided interview")
    answered: dict[str, object] = {}
    unknown: list[str] = []
    seen: list[str] = []
    bad_checked = date_checked = False
    for _ in range(12):
        path, hint = _next_path(child)
        assert path not in seen, f"{path} asked twice"
        seen.append(path)
        if hint == "yes or no" and not bad_checked:
            child.sendline("perhaps")
            child.expect(f"Not accepted: {re.escape(path)}: expected yes or no")
            child.expect("> ")
            child.sendline("yes")
            answered[path] = True
            bad_checked = True
        elif path == "location.country":
            child.sendline("XX")
            child.expect("Not accepted: location.country: expected an ISO 3166-1 alpha-2 country code")
            child.expect("> ")
            child.sendline("ge")
            answered[path] = "GE"
        elif hint.startswith("a date") and not date_checked:
            child.sendline("2024-02-30")
            child.expect(f"Not accepted: {re.escape(path)}")
            child.expect("> ")
            child.sendline("2022-10-01")
            answered[path] = "2022-10-01"
            date_checked = True
        else:
            child.sendline("?")
            unknown.append(path)
        child.expect(["Changed:", "Nothing changed."])
    assert bad_checked and unknown
    path, _hint = _next_path(child)
    child.sendline("skip")
    path2, _hint2 = _next_path(child)
    assert path2 != path
    child.sendline("quit")
    _ends(child, "Interview stopped.", "Outcome: ", f"Profile saved to {re.escape(str(out))}")
    saved = yaml.safe_load(out.read_text(encoding="utf-8"))
    flat = _flatten(saved)
    assert flat["nationalities"] == ["RU"]
    for p, v in answered.items():
        assert flat[p] == v
    for p in unknown:
        assert flat[p] == "unknown"


@pytest.mark.slow
def test_the_location_question_its_changes_and_a_correction(tmp_path):
    start = tmp_path / "start.yaml"
    start.write_text("nationalities: [RU]\nfear: {fears_return: true}\n", encoding="utf-8")
    child = _spawn(str(start), "--as-of", "2024-03-01", "--engine", "durable")
    for _ in range(60):
        path, _hint = _next_path(child)
        if path == "location.country":
            child.sendline("GE")
            child.expect("Changed:")
            child.expect(r"Outside the country of nationality \(E1\): undetermined -> appears met")
            child.expect("> ")
            child.sendline("location.country = RU")  # correcting an earlier answer (the engine session replays)
            child.expect(r"Outside the country of nationality \(E1\): appears met -> appears not met")
            break
        child.sendline("skip")
    else:
        pytest.fail("location.country was never asked")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.slow
def test_russian_interview_of_dont_knows_ends_saying_their_answers_would_settle_more(tmp_path):
    """Every question answered «не знаю»: the interview ends, but never with "nothing more can be settled" while the
    report counts open questions (the answers the client could still find out)."""
    start = tmp_path / "start.yaml"
    start.write_text("nationalities: [RU]\nlocation: {country: GE}\nfear: {fears_return: false}\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    child = _spawn(str(start), "--as-of", "2024-03-01", "--lang", "ru", "--save", str(out))
    child.expect("Интервью")
    path, hint = _next_path(child)
    child.sendline("может быть")
    child.expect("Не принято")
    child.expect("> ")
    count = 1
    child.sendline("не знаю")
    while True:
        i = child.expect([QUESTION, "Вопросов больше нет. На некоторые вопросы ответ — «не знаю»", "Больше ничего нельзя"])
        assert i != 2, "the interview says nothing more can be settled, yet questions answered 'don't know' are open"
        if i == 1:
            break
        count += 1
        assert count < 400
        child.sendline("не знаю")
    child.expect("Итог: ")
    child.expect("Профиль сохранён")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    flat = _flatten(yaml.safe_load(out.read_text(encoding="utf-8")))
    assert sum(1 for v in flat.values() if v == "unknown") == count


def test_a_russian_interview_in_natural_words_with_back_and_ctrl_c_saves_the_profile(tmp_path):
    """Russian words throughout: a country by its Russian name, да/нет, «не знаю», a choice by its number; ``back``
    takes an answer back and asks it again; Ctrl-C stops the interview and the profile is saved all the same."""
    out = tmp_path / "out.yaml"
    child = _spawn("--as-of", "2024-03-01", "--lang", "ru", "--engine", "compiled", "--save", str(out))
    child.expect("Интервью")
    said: dict[str, str] = {"nationalities": "Россия", "location.country": "Грузия", "fear.fears_return": "да"}
    unknown: list[str] = []
    backed = False
    for _ in range(10):
        path, hint = _next_path(child)
        if path in said:
            child.sendline(said[path])
        elif hint == "да или нет":
            child.sendline("нет")
            said[path] = "нет"
        elif hint.startswith("номер или название из списка"):
            child.sendline("1")
            said[path] = "1"
        else:
            child.sendline("не знаю")
            unknown.append(path)
        child.expect(["Изменилось:", "Ничего не изменилось."])
        if path == "fear.fears_return" and not backed:
            child.expect("> ")  # the next question
            child.sendline("назад")
            child.expect(r"Ответ отменён: fear\.fears_return")
            again, _hint = _next_path(child)
            assert again == "fear.fears_return"
            child.sendline("да")
            backed = True
    assert backed and {"nationalities", "location.country", "fear.fears_return"} <= set(said)
    _next_path(child)
    child.sendintr()  # Ctrl-C
    _ends(child, "Прервано.", "Итог: ", f"Профиль сохранён в {re.escape(str(out))}", status=130)
    flat = _flatten(yaml.safe_load(out.read_text(encoding="utf-8")))
    assert flat["nationalities"] == ["RU"] and flat["location.country"] == "GE" and flat["fear.fears_return"] is True
    for p in unknown:
        assert flat[p] == "unknown"  # «не знаю» is unknown, never false
    for p, word in said.items():
        if word == "нет":
            assert flat[p] is False


def test_end_of_input_saves_and_skipped_questions_come_back(tmp_path):
    out = tmp_path / "out.yaml"
    child = _spawn("--as-of", "2024-03-01", "--engine", "compiled", "--save", str(out))
    first, _hint = _next_path(child)
    child.sendline("skip")
    second, _hint = _next_path(child)
    assert second != first
    child.sendline("help")
    child.expect("take back the last answer")
    child.expect("> ")
    child.sendline("review")
    child.expect("No answers yet.")
    child.expect("> ")
    child.sendline("outcome")
    child.expect("Outcome: ")
    child.expect("> ")
    child.sendeof()  # end of input: stop and save
    _ends(child, "Interview stopped.", f"Profile saved to {re.escape(str(out))}")
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == {}


def test_skipped_questions_are_offered_again_at_the_end():
    from refugee_rules.frontends.interview import InterviewSession, run_terminal

    start = {"nationalities": ["RU"], "location": {"country": "GE"}, "fear": {"fears_return": False}}
    session = InterviewSession(start, as_of="2024-03-01", engine="compiled")
    first = session.next_questions(1)[0].path
    replies = iter(["skip"])
    written: list[str] = []

    def read(prompt: str) -> str | None:
        return next(replies, "не знаю")

    assert run_terminal(session, read, written.append) == 0
    text = "".join(written)
    assert "The skipped questions, once more:" in text
    assert text.count(f"[{first}:") == 2  # asked, skipped, asked again
    assert "saved" not in text


@pytest.mark.slow
def test_nothing_is_saved_without_save(tmp_path):
    child = _spawn("--as-of", "2024-03-01")
    child.expect("> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "saved" not in (child.before or "")


def _flatten(data: dict, prefix: str = "") -> dict:
    out: dict = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def test_a_save_path_that_cannot_be_written_is_refused_before_the_first_question(tmp_path):
    import subprocess

    r = subprocess.run([EXE, "interview", "--as-of", "2024-03-01", "--save", str(tmp_path / "no" / "such" / "out.yaml")],
                       input="", capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 2 and "does not exist" in r.stderr and "Guided interview" not in r.stdout
