"""Batch assessment loses nothing: one output line per record, in order, errors included; resumable."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refugee_rules.tasks import batch
from refugee_rules.engine import durable_available

COMMAND = shutil.which("refugee-rules", path=str(Path(sys.executable).parent))
GOOD = {"nationalities": ["RU"], "location": {"country": "GE"}, "fear": {"fears_return": True, "agents": ["state"]}}
BAD_LINES = ['{"nationalites": ["RU"]}', "not json at all", '{"military": {"summoned": "perhaps"}}', "[1, 2]",
             '{"travel": {"departure_date": "2022-02-30"}}']


def mixed_jsonl(path: Path, n: int) -> list[bool]:
    """n records, every fifth one broken in some way; returns which ones are good."""
    good = []
    with path.open("w") as handle:
        for i in range(n):
            if i % 5 == 3:
                handle.write(BAD_LINES[(i // 5) % len(BAD_LINES)] + "\n")
                good.append(False)
            else:
                handle.write(json.dumps(dict(GOOD, case_ref=f"case-{i}")) + "\n")
                good.append(True)
            if i % 7 == 0:
                handle.write("\n")  # blank lines are not records
    return good


def read_out(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("workers", [1, 2])
def test_every_record_gets_one_line_in_input_order(tmp_path, workers):
    good = mixed_jsonl(tmp_path / "in.jsonl", 60)
    counts = batch.run(tmp_path / "in.jsonl", tmp_path / "out.jsonl", as_of="2024-01-01", engine="compiled",
                       workers=workers)
    out = read_out(tmp_path / "out.jsonl")
    assert [r["index"] for r in out] == list(range(60))
    assert [r["status"] == "assessed" for r in out] == good
    assert (counts.read, counts.assessed, counts.errors) == (60, sum(good), 60 - sum(good))
    assert counts.read == counts.assessed + counts.errors
    errors = [r for r in out if r["status"] == "error"]
    assert all(r["error"]["problems"] and r["record"].startswith("line ") for r in errors)
    assert any("did you mean 'nationalities'" in p for r in errors for p in r["error"]["problems"])
    assert out[0]["record"] == "line 1 (case-0)"
    assert out[0]["assessment"]["findings"]


def test_csv_and_directory_inputs(tmp_path):
    (tmp_path / "in.csv").write_text(
        "case_ref,nationalities,location.country,fear.fears_return,military.summoned\n"
        "a,RU,GE,yes,\n"
        "b,RU;IL,KZ,unknown,maybe\n"
        "c,RU,RU,no,true\n"
    )
    counts = batch.run(tmp_path / "in.csv", tmp_path / "out.csv", as_of="2024-01-01", fmt="summary-csv")
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert rows[0].startswith("index,record,status,outcome,inclusion,")
    assert rows[1].startswith("0,row 2,assessed,") and rows[3].startswith("2,row 4,assessed,likely_does_not_meet")
    assert rows[2].startswith("1,row 3,error,") and "military.summoned" in rows[2]
    assert (counts.read, counts.assessed, counts.errors) == (3, 2, 1)

    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "a.yaml").write_text("nationalities: [RU]\nlocation: {country: GE}\n")
    (folder / "b.yaml").write_text("nationalities: [RU\n")
    (folder / "c.json").write_text('{"location": {"country": "ZZ"}}')
    (folder / "notes.txt").write_text("not a profile")
    counts = batch.run(folder, tmp_path / "dir.jsonl", as_of="2024-01-01")
    out = read_out(tmp_path / "dir.jsonl")
    assert [(r["record"], r["status"]) for r in out] == [("a.yaml", "assessed"), ("b.yaml", "error"), ("c.json", "error")]
    assert (counts.read, counts.errors) == (3, 2)


def test_resume_after_a_partial_line(tmp_path):
    mixed_jsonl(tmp_path / "in.jsonl", 30)
    batch.run(tmp_path / "in.jsonl", tmp_path / "full.jsonl", as_of="2024-01-01")
    full = (tmp_path / "full.jsonl").read_bytes()
    cut = full.index(b"\n", len(full) // 2) + 40  # half the records and a torn line
    (tmp_path / "part.jsonl").write_bytes(full[:cut])
    counts = batch.run(tmp_path / "in.jsonl", tmp_path / "part.jsonl", as_of="2024-01-01", resume=True)
    assert (tmp_path / "part.jsonl").read_bytes() == full
    assert counts.skipped + counts.read == 30


@pytest.mark.skipif(not COMMAND, reason="console script not installed")
def test_an_interrupted_cli_run_resumes_to_the_same_output(tmp_path):
    mixed_jsonl(tmp_path / "in.jsonl", 400)
    args = [COMMAND, "batch", str(tmp_path / "in.jsonl"), "--as-of", "2024-01-01", "--engine", "compiled",
            "--format", "summary-csv"]
    assert subprocess.run(args + ["-o", str(tmp_path / "full.csv")], capture_output=True).returncode == 1  # error records
    proc = subprocess.Popen(args + ["-o", str(tmp_path / "out.csv")], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and (not (tmp_path / "out.csv").exists()
                                      or (tmp_path / "out.csv").read_bytes().count(b"\n") < 30):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = (tmp_path / "out.csv").read_bytes().count(b"\n") - 1
    assert 0 < partial < 400, "the run was not interrupted part-way"
    done = subprocess.run(args + ["-o", str(tmp_path / "out.csv"), "--resume"], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # the mixed input holds error records: exit 1
    assert "already done (resumed)" in done.stderr
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "full.csv").read_bytes()


def test_cli_prints_counts_and_is_quiet_when_piped(tmp_path):
    from tests.test_cli import run

    mixed_jsonl(tmp_path / "in.jsonl", 10)
    result = run("batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--as-of", "2024-01-01")
    assert result.returncode == 1  # two records are errors
    assert result.stderr.strip().splitlines() == ["read 10, assessed 8, errors 2"]
    bad = run("batch", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "x.jsonl"))
    assert bad.returncode == 2 and "no such file" in bad.stderr and "Traceback" not in bad.stderr


def test_a_lone_surrogate_in_a_record_name_is_an_error_row_not_a_crash(tmp_path):
    # A JSON escape such as "\udcff" decodes to a lone surrogate, which UTF-8 cannot encode; it once
    # failed the write and took the whole batch down with an internal error.
    source = tmp_path / "in.jsonl"
    source.write_text('{"case_ref": "x\\udcff", "nationalities": ["RU"]}\n{"nationalities": ["RU"]}\n', encoding="ascii")
    counts = batch.run(source, tmp_path / "out.jsonl", engine="compiled")
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (counts.read, counts.assessed, counts.errors) == (2, 1, 1)
    assert lines[0]["status"] == "error" and lines[0]["record"] == "line 1 (x\udcff)"
    assert any(p.startswith("case_ref") for p in lines[0]["error"]["problems"])
    assert lines[1]["status"] == "assessed"


def test_unicode_line_separators_in_a_record_stay_inside_its_one_line(tmp_path):
    # NEL, U+2028 and U+2029 are legal raw inside JSON strings, but readers that split on every Unicode line
    # break (str.splitlines, JavaScript) would read one record as two: `make fuzz` found it. They are escaped.
    source = tmp_path / "in.jsonl"
    records = [
        {"case_ref": "a\u2028b", "nationalities": ["RU"],
         "legal_cases": [{"kind": "criminal", "charge": "x\x85y\u2029z", "based_on_protected_conduct": True}]},
        {"case_ref": "c\x85d", "nationalities": "not a list", "bad\u2028key": 1},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    counts = batch.run(source, tmp_path / "out.jsonl", engine="compiled")
    text = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert counts.read == 2 and len(text.splitlines()) == 2
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["status"] == "assessed" and first["assessment"]["metadata"]["case_ref"] == "a\u2028b"
    assert "x\x85y\u2029z" in json.dumps(first["assessment"], ensure_ascii=False)
    assert second["status"] == "error" and second["record"] == "line 2 (c\x85d)"


def test_summary_csv_columns_follow_the_options_layers(tmp_path):
    """A custom layer's own findings get columns, and its answers fill them (the options reach the header too)."""
    import csv

    from refugee_rules.options import Options

    layer = Path(__file__).resolve().parents[1] / "examples" / "layers" / "example-ngo-referral"
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"case_ref": "a", "fear": {"fears_return": True}}) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    batch.run(source, out, fmt="summary-csv", options=Options(as_of="2024-03-01", engine="compiled", layers=(layer,)))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["example_ngo.refer_to_lawyer_now"] == "undetermined" and rows[0]["fear_subjective"] == "met"
