"""Issue 17, batch and profile reading: nothing is lost, every record is answered, no input is overwritten."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from refugee_rules.api import assess
from refugee_rules.case.inputs import MAX_PROFILE_BYTES, read_document, read_profile
from refugee_rules.errors import FileError, ProfileError
from refugee_rules.tasks import batch

GOOD = '{"nationalities": ["RU"], "location": {"country": "GE"}}'


def _answers(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_batch_never_overwrites_its_input(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(GOOD + "\n" + GOOD + "\n")
    before = source.read_bytes()
    os.link(source, tmp_path / "hard.jsonl")
    os.symlink(source, tmp_path / "link.jsonl")
    for out in (source, tmp_path / "hard.jsonl", tmp_path / "link.jsonl", tmp_path / "." / "in.jsonl"):
        with pytest.raises(FileError, match="the output is the input"):
            batch.run(source, out, engine="compiled")
    with pytest.raises(FileError):
        batch.run(tmp_path / "link.jsonl", source, engine="compiled")
    assert source.read_bytes() == before


def test_csv_unterminated_quote_swallows_no_rows(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('nationalities,location.country,case_ref\nRU,GE,a\nRU,GE,"b\nRU,GE,c\nRU,GE,d\n')
    counts = batch.run(source, tmp_path / "out.jsonl", as_of="2024-01-01", engine="compiled")
    answers = _answers(tmp_path / "out.jsonl")
    assert (counts.read, counts.assessed, counts.errors) == (4, 3, 1)
    assert [a["status"] for a in answers] == ["assessed", "error", "assessed", "assessed"]
    assert "line 3" in answers[1]["error"]["problems"][0] and "never closed" in answers[1]["error"]["problems"][0]


def test_csv_quoted_cell_may_still_span_lines(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('nationalities,identity.religion\nRU,"Jehovah\'s\nWitness"\nRU,none\n')
    counts = batch.run(source, tmp_path / "out.jsonl", as_of="2024-01-01", engine="compiled")
    assert (counts.read, counts.assessed) == (2, 2)


def test_csv_non_utf8_byte_costs_only_its_row(tmp_path):
    rows = ["nationalities,location.country"] + ["RU,GE"] * 300
    data = bytearray("\n".join(rows).encode() + b"\n")
    bad = data.index(b"GE", 40 + 6 * 100)
    data[bad] = 0xFF
    (tmp_path / "in.csv").write_bytes(bytes(data))
    counts = batch.run(tmp_path / "in.csv", tmp_path / "out.jsonl", as_of="2024-01-01", engine="compiled")
    assert (counts.read, counts.errors) == (300, 1)
    error = next(a for a in _answers(tmp_path / "out.jsonl") if a["status"] == "error")
    line = bytes(data[:bad]).count(b"\n") + 1
    assert error["error"]["problems"] == [f"line {line}: not UTF-8 text (byte {bad} of the file)"]


def test_csv_huge_cell_is_an_error_row_not_the_end(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("nationalities,case_ref\nRU," + "x" * 200_000 + "\nRU,b\n")
    counts = batch.run(source, tmp_path / "out.jsonl", as_of="2024-01-01", engine="compiled")
    assert (counts.read, counts.assessed, counts.errors) == (2, 1, 1)
    assert "longer than" in _answers(tmp_path / "out.jsonl")[0]["error"]["problems"][0]


def test_excel_csv_with_bom_is_read(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(b"\xef\xbb\xbfnationalities,location.country\r\nRU,GE\r\nRU,AM\r\n")
    counts = batch.run(source, tmp_path / "out.jsonl", as_of="2024-01-01", engine="compiled")
    assert (counts.read, counts.assessed) == (2, 2)


def test_csv_duplicate_column_is_refused(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("nationalities,fear.fears_return,fear.fears_return\nRU,yes,no\n")
    with pytest.raises(ProfileError, match="column twice: fear.fears_return"):
        batch.run(source, tmp_path / "out.jsonl", engine="compiled")


def test_json_profile_with_bom_is_read(tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert read_profile(path).nationalities == ["RU"]
    (tmp_path / "in.jsonl").write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\n")
    assert batch.run(tmp_path / "in.jsonl", tmp_path / "out.jsonl", engine="compiled").assessed == 1


def test_oversized_json_line_is_refused_without_reading_it_whole(tmp_path):
    source = tmp_path / "in.jsonl"
    with source.open("w") as handle:
        handle.write(GOOD + "\n")
        handle.write('{"case_ref": "' + "x" * (60 * MAX_PROFILE_BYTES) + '"}\n')
        handle.write(GOOD + "\n")
    code = ("from refugee_rules.tasks import batch; "
            f"c = batch.run({str(source)!r}, {str(tmp_path / 'out.jsonl')!r}, engine='compiled', as_of='2024-01-01'); "
            "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]; "
            "print(c.read, c.errors, peak)")  # VmHWM, not ru_maxrss: that one is inherited across fork and exec
    read, errors, peak_kb = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout.split()
    assert (read, errors) == ("3", "1")
    assert int(peak_kb) < 110_000  # the 60 MB line is never held (measured: 52 MB peak; the line alone is 60 MB)
    assert "more than 1000000 bytes" in _answers(tmp_path / "out.jsonl")[1]["error"]["problems"][0]


def test_huge_integer_is_a_profile_error_everywhere(tmp_path):
    digits = "9" * 5000
    (tmp_path / "a.json").write_text('{"nationalities": ["RU"], "case_ref": ' + digits + "}")
    (tmp_path / "b.yaml").write_text("nationalities: [RU]\ncase_ref: " + digits + "\n")
    (tmp_path / "c.yaml").write_text("nationalities: [RU]\n")
    counts = batch.run(tmp_path, tmp_path.parent / f"{tmp_path.name}.jsonl", as_of="2024-01-01", engine="compiled")
    assert (counts.read, counts.errors, counts.assessed) == (3, 2, 1)
    for name in ("a.json", "b.yaml"):
        with pytest.raises(ProfileError, match="more than 4300 digits"):
            read_document(tmp_path / name)
    with pytest.raises(ProfileError, match="case_ref"):
        assess({"nationalities": ["RU"], "case_ref": 10**5000}, engine="compiled")


def test_resume_streams_the_output(tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"a": 1}\n' * 1000 + b'{"partial')
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the whole output was read into memory"))
    assert batch.completed_lines(out, "json") == 1000
    assert out.stat().st_size == 9 * 1000
