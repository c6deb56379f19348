"""One Options value reaches the Assessor whole from every front end: no option is dropped on the way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from refugee_rules import InterviewSession, ProfileError, assess, assess_many, compare, questions
from refugee_rules.tasks import batch, dask_batch
from refugee_rules.assessor import Assessor
from refugee_rules.frontends.cli import main
from refugee_rules.options import Options
from refugee_rules.tasks.timeline import timeline

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "examples" / "layers" / "example-ngo-referral"
PROFILE = {"nationalities": ["RU"], "location": {"country": "GE"}, "fear": {"fears_return": True}}
DAY = dt.date(2023, 5, 1)
CHOSEN = Options(as_of=DAY, engine="compiled", jurisdiction="EU", layers=(LAYER,), stale_after_days=10,
                 destinations=("AM",), lang="ru")


@pytest.fixture
def seen(monkeypatch):
    """Every (options, date) an Assessor is asked to decide a case with (assessing decides first)."""
    calls: list[tuple[Options, dt.date | None]] = []
    original = Assessor.decide

    def record(self, profile, *, as_of=None, runner=None):
        calls.append((self.options, as_of))
        return original(self, profile, as_of=as_of, runner=runner)

    monkeypatch.setattr(Assessor, "decide", record)
    return calls


def _all_whole(calls, day=DAY):
    assert calls, "nothing was assessed"
    # the layer's base run (the Convention without the EU layer) is the one assessment made without it
    main_calls = [(o, d) for o, d in calls if o.jurisdiction == "EU"]
    assert main_calls and all(o == CHOSEN.rules and d == day for o, d in main_calls), calls
    assert all(o == CHOSEN.rules.replace(jurisdiction=None) for o, _ in calls if o.jurisdiction is None), calls


def test_the_api_passes_every_option(seen):
    assess(PROFILE, options=CHOSEN)
    list(assess_many([PROFILE, {"nationalities": "RU"}], options=CHOSEN))
    _all_whole(seen)


def test_batch_and_dask_workers_get_every_option(seen):
    records = [batch.Record(0, "a", PROFILE)]
    list(batch.assess_lines(records, options=CHOSEN))
    dask_batch._assess_remote(records, CHOSEN, "json")
    _all_whole(seen)


@pytest.mark.slow
def test_questions_compare_timeline_and_the_interview_pass_every_option(seen):
    assert questions(PROFILE, options=CHOSEN)[0].question  # in Russian: the language reached it too
    compare(PROFILE, as_of=DAY, as_of_other=DAY, options=CHOSEN)
    with InterviewSession(PROFILE, options=CHOSEN) as session:
        session.answer("fear.harm_likely", "unknown")
        assert session.lang == "ru"
    _all_whole(seen)
    seen.clear()
    timeline(PROFILE, options=CHOSEN)  # assesses at each date a rule changes, up to the options' date
    assert seen and all(o == CHOSEN.rules.replace(destinations=o.destinations) or o.jurisdiction is None
                        for o, _ in seen)
    assert all(d is not None and d <= DAY for _, d in seen)  # never past the options' date


def test_the_command_line_passes_every_option(seen, tmp_path, capsys):
    profile = tmp_path / "p.yaml"
    profile.write_text(yaml.safe_dump(PROFILE), encoding="utf-8")
    flags = ["--as-of", DAY.isoformat(), "--engine", "compiled", "--jurisdiction", "EU", "--layer", str(LAYER),
             "--stale-after-days", "10", "--destinations", "AM"]
    assert main(["assess", str(profile), *flags, "--lang", "ru"]) == 0
    assert main(["questions", str(profile), *flags, "--lang", "ru"]) == 0
    assert main(["walkthrough", str(profile), *flags, "--lang", "ru"]) == 0
    assert main(["batch", str(profile.parent), "-o", str(tmp_path / "out.jsonl"), *flags]) == 0
    assert main(["compare", str(profile), "--as-of", DAY.isoformat(), "--as-of", DAY.isoformat(), *flags[2:]]) == 0
    capsys.readouterr()
    _all_whole(seen)


def test_the_service_passes_every_option(seen):
    testclient = pytest.importorskip("fastapi.testclient")
    from refugee_rules.frontends.service import create_app

    client = testclient.TestClient(create_app(layers=(LAYER,)))
    body = {"profile": PROFILE, "as_of": DAY.isoformat(), "engine": "compiled", "jurisdiction": "EU",
            "destinations": ["AM"]}
    assert client.post("/assess", json=body).status_code == 200
    main_calls = [o for o, _ in seen if o.jurisdiction == "EU"]
    assert main_calls and all(o == CHOSEN.rules.replace(stale_after_days=365) for o in main_calls)


@pytest.mark.parametrize("bad, field", [
    ({"as_of": "2024-13-01"}, "as_of"), ({"layers": "dir"}, "layers"), ({"stale_after_days": "x"}, "stale_after_days"),
    ({"destinations": ["georgia"]}, "destinations"), ({"lang": "xx"}, "lang"), ({"jurisdiction": "US"}, "jurisdiction"),
])
def test_a_bad_option_is_a_clear_error_naming_it(bad, field):
    with pytest.raises(ProfileError) as err:
        Options(**bad)
    assert err.value.problems[0].startswith(f"{field}: expected")
