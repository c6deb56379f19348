"""Malformed input, fuzzed: only clear validation errors, never a traceback, a hang or a lost record.

`make test` runs a small share; `make fuzz` runs at least 10,000 examples per property
(FUZZ_EXAMPLES=10000).
"""

from __future__ import annotations

import io
import json
import math
import os
import random
from contextlib import redirect_stderr, redirect_stdout

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import ProfileError, assess
from refugee_rules.tasks import batch
from refugee_rules.frontends.cli import main
from refugee_rules.case.facts import catalogue
from refugee_rules.case.inputs import profile_from_mapping

from .strategies import any_flat_profiles, examples, nest

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or examples(240))  # make test: 6; make check: 240; make fuzz: 10,000
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

PATHS = sorted(p for p in catalogue() if p != "as_of")
KEYS = sorted({part for p in PATHS for part in p.split(".")})

junk_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.just(math.nan), st.just(-math.inf),
    st.text(max_size=50), st.text(min_size=5000, max_size=20000).map(lambda s: s[:20000]),
    st.sampled_from(["2022-02-30", "31/12/2022", "2022-13-01", "XX", "ru", "RUS", "unknown", "yes", "", "null",
                     "<script>alert(1)</script>", "\u202e\u0000", "é\udcff", "Ð\x9f"]),
)
junk = st.recursive(
    junk_scalars,
    lambda children: st.one_of(st.lists(children, max_size=6), st.dictionaries(st.text(max_size=12), children, max_size=6)),
    max_leaves=30,
)


def misspell(key: str, rnd: random.Random) -> str:
    if len(key) < 3:
        return key + "x"
    i = rnd.randrange(len(key) - 1)
    return key[:i] + key[i + 1] + key[i] + key[i + 2:]


@st.composite
def malformed_profiles(draw: st.DrawFn) -> object:
    """A plausible profile with damage: wrong types, misspelt or unknown keys, junk values, huge lists."""
    flat = dict(draw(any_flat_profiles))
    rnd = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(1, 4))):
        damage = draw(st.sampled_from(["wrong_value", "misspelt_key", "unknown_key", "huge_list", "deep", "not_a_mapping"]))
        if damage == "wrong_value":
            flat[draw(st.sampled_from(PATHS))] = draw(junk)
        elif damage == "misspelt_key":
            path = draw(st.sampled_from(PATHS)).split(".")
            path[-1] = misspell(path[-1], rnd)
            flat[".".join(path)] = draw(junk_scalars)
        elif damage == "unknown_key":
            flat[draw(st.text(min_size=1, max_size=20)).replace(".", "_")] = draw(junk)
        elif damage == "huge_list":
            flat[draw(st.sampled_from(PATHS))] = [draw(junk_scalars)] * draw(st.integers(1000, 50_000))
        elif damage == "deep":
            value: object = draw(junk_scalars)
            for _ in range(draw(st.integers(10, 200))):
                value = {"x": value} if rnd.random() < 0.5 else [value]
            flat[draw(st.sampled_from(PATHS))] = value
        else:
            return draw(st.one_of(junk_scalars, st.lists(junk, max_size=3)))
    try:
        return nest(flat)
    except (AttributeError, TypeError):  # a path that is both a value and a section
        return flat


def assert_clean(problems: list[str]) -> None:
    assert problems and all(isinstance(p, str) and p for p in problems)
    assert all(":" in p for p in problems), problems  # each names a field (or "(top level)")


@FUZZ
@given(data=malformed_profiles())
def test_api_only_raises_clear_validation_errors(data):
    try:
        profile = profile_from_mapping(data)
    except ProfileError as e:
        assert_clean(e.problems)
        return
    result = assess(profile, as_of="2024-01-01", engine="compiled")
    json.loads(result.model_dump_json())


@FUZZ
@given(data=malformed_profiles(), as_json=st.booleans())
def test_cli_exits_0_or_2_without_traceback(tmp_path_factory, data, as_json):
    path = tmp_path_factory.mktemp("fuzz") / ("p.json" if as_json else "p.yaml")
    try:
        text = json.dumps(data, allow_nan=True) if as_json else yaml.safe_dump(data, allow_unicode=True)
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
    except (ValueError, UnicodeEncodeError, yaml.YAMLError):
        path.write_bytes(b"\xff\xfe junk \x00")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["assess", str(path), "--as-of", "2024-01-01", "--engine", "compiled", "--format", "json"])
    assert code in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert "invalid case profile" in err.getvalue() or "not valid" in err.getvalue() or "not UTF-8" in err.getvalue()


@FUZZ
@given(records=st.lists(st.one_of(malformed_profiles(), any_flat_profiles.map(nest)), min_size=1, max_size=6))
def test_batch_gives_every_record_a_line(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("batch")
    with (folder / "in.jsonl").open("w", encoding="utf-8", errors="surrogateescape") as handle:
        for r in records:
            try:
                handle.write(json.dumps(r, allow_nan=True) + "\n")
            except (ValueError, UnicodeEncodeError):
                handle.write("{broken\n")
    counts = batch.run(folder / "in.jsonl", folder / "out.jsonl", as_of="2024-01-01", engine="compiled")
    lines = (folder / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert counts.read == len(records) == len(lines) == counts.assessed + counts.errors
    assert [json.loads(line)["index"] for line in lines] == list(range(len(records)))


YAML_ATTACKS = {
    "billion-laughs": "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nnationalities: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
    "python-tag": "nationalities: !!python/object/apply:os.system ['echo pwned']\n",
    "custom-tag": "nationalities: !country RU\n",
    "recursive-alias": "a: &a [*a]\n",
    "binary": "case_ref: !!binary aGVsbG8=\n",
    "deep-flow": "nationalities: " + "[" * 5000 + "]" * 5000 + "\n",
    "not-utf8": b"nationalities: [RU]\ncase_ref: \xff\xfe\n",
    "nul": "nationalities: [RU]\x00\n",
}


@pytest.mark.parametrize("name", sorted(YAML_ATTACKS))
def test_hostile_yaml_is_a_clear_error(tmp_path, name):
    content = YAML_ATTACKS[name]
    path = tmp_path / "p.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["assess", str(path), "--engine", "compiled"])
    assert code == 2, (name, err.getvalue(), out.getvalue()[:200])
    assert "Traceback" not in err.getvalue() and "pwned" not in out.getvalue()
