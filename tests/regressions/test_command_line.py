"""Issue 17, the command line: - for standard input and output, the format from -o, one-line file errors (exit 2),
batch's exit status, serve's arguments, devices and pipes refused."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import EXAMPLE, assert_clean_error, run, run_process

AS_OF = "2024-03-01"
GOOD = '{"nationalities": ["RU"], "location": {"country": "GE"}}'


def _no_internal_error(result: subprocess.CompletedProcess[str]) -> None:
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_dash_reads_standard_input_and_writes_standard_output(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    piped = run_process("assess", "-", "--as-of", AS_OF, "--engine", "compiled", "-o", "-", input=text)  # a real pipe
    direct = run("assess", str(EXAMPLE), "--as-of", AS_OF, "--engine", "compiled")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == direct.stdout.replace(str(EXAMPLE), "standard input") or piped.stdout == direct.stdout
    (tmp_path / "in.jsonl").write_text(GOOD + "\n")
    batch = run("batch", str(tmp_path / "in.jsonl"), "-o", "-", "--as-of", AS_OF, "--engine", "compiled")
    assert batch.returncode == 0 and json.loads(batch.stdout)["status"] == "assessed"
    assert not (Path.cwd() / "-").exists()


def test_output_format_follows_the_extension_and_a_contradiction_is_an_error(tmp_path):
    result = run("assess", str(EXAMPLE), "--as-of", AS_OF, "--engine", "compiled", "-o", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    run("assess", str(EXAMPLE), "--as-of", AS_OF, "--engine", "compiled", "-o", str(tmp_path / "r.json"))
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["format_version"]
    assert_clean_error(run("assess", str(EXAMPLE), "--format", "text", "-o", str(tmp_path / "x.html")),
                       "--format text contradicts", "x.html")


def test_every_file_error_is_one_line_naming_the_path_with_exit_2(tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o500)
    cases = [
        (("assess", str(tmp_path / "missing.yaml")), "missing.yaml: no such file"),
        (("assess", str(tmp_path)), "a directory"),
        (("assess", str(tmp_path / "empty.yaml")), "empty.yaml: empty"),
        (("assess", str(EXAMPLE), "-o", str(tmp_path / "no" / "dir" / "x.html")), "does not exist"),
        (("assess", str(EXAMPLE), "-o", str(tmp_path)), "a directory"),
        (("batch", str(EXAMPLE.parent), "-o", str(tmp_path / "no" / "x.jsonl")), "does not exist"),
    ]
    if os.geteuid() != 0:  # root writes anywhere
        cases.append((("assess", str(EXAMPLE), "-o", str(read_only / "x.txt")), "x.txt: cannot write the file"))
    for args, fragment in cases:
        result = run(*args, "--as-of", AS_OF, "--engine", "compiled")
        assert_clean_error(result, fragment)
        _no_internal_error(result)


def test_batch_exits_1_when_a_record_failed(tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD + "\nnot json\n")
    result = run("batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.jsonl"), "--engine", "compiled")
    assert result.returncode == 1 and "errors 1" in result.stderr
    (tmp_path / "ok.jsonl").write_text(GOOD + "\n")
    assert run("batch", str(tmp_path / "ok.jsonl"), "-o", str(tmp_path / "o2.jsonl"), "--engine", "compiled").returncode == 0
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "1 when the run finished but at least one record is an error line" in readme


@pytest.mark.parametrize("args, fragment", [(("--port", "99999"), "--port"), (("--max-body-bytes", "-1"), "--max-body-bytes")])
def test_serve_rejects_impossible_ports_and_sizes(args, fragment):
    result = run("serve", *args)
    assert_clean_error(result, fragment)


def test_devices_and_pipes_are_refused_not_read(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        result = run("assess", path)  # a FIFO with no writer would hang; /dev/zero would read until MemoryError
        assert_clean_error(result, path, "not a regular file")
    big = run("assess", "-", input=b"x: " + b"a" * 2_000_000)
    assert big.returncode == 2 and "at most 1000000" in big.stderr
