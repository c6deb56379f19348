"""A record whose name holds a line break is still one line of the summary CSV, so --resume, which counts
records by counting lines, never skips a record it did not write (found by the batch kill-and-resume fuzz)."""

from __future__ import annotations

import datetime as dt
import json

from refugee_rules.tasks import batch


def test_a_line_break_in_a_record_name_does_not_make_resume_skip_a_record(tmp_path) -> None:
    source = tmp_path / "in.jsonl"
    names = ["first\nsecond", "plain", "carriage\rreturn"]
    source.write_text("".join(json.dumps({"case_ref": n, "nationalities": ["RU"]}) + "\n" for n in names),
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    batch.run(source, out, as_of=dt.date(2024, 3, 1), engine="compiled", fmt="summary-csv")
    assert batch.completed_lines(out, "summary-csv") == len(names)
    assert "first\\nsecond" in out.read_text(encoding="utf-8")
    counts = batch.run(source, out, as_of=dt.date(2024, 3, 1), engine="compiled", fmt="summary-csv", resume=True)
    assert counts.skipped == len(names) and counts.read == 0
