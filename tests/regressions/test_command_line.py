"""Issue 17, the command line: - for standard input and output, the format from -o, one-line file errors (exit 2),
batch's exit status, serve's arguments, devices and pipes refused."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from refugee_rules.frontends.cli import build_parser

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


def _subparsers(parser: argparse.ArgumentParser, name: str = "refugee-rules") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child_name, child in action.choices.items():
                found += _subparsers(child, f"{name} {child_name}")
    return found


def test_every_option_of_every_command_has_help_and_shows_its_default():
    commands = _subparsers(build_parser())
    assert len(commands) > 10 and any(n.endswith(" completion") for n, _ in commands)
    for name, parser in commands:
        text = " ".join(parser.format_help().split())  # the help as printed, lines joined
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            label = f"{name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help and action.help.strip(), f"{label}: no help text"
            if action.default not in (None, False, argparse.SUPPRESS, []):
                assert f"default: {action.default}" in text or f"default {action.default}" in text, \
                    f"{label}: the default {action.default!r} is not shown in --help"


def test_batch_reads_json_lines_from_standard_input():
    result = run("batch", "-", "-o", "-", "--as-of", AS_OF, "--engine", "compiled", input=GOOD + "\n{broken\n" + GOOD + "\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["index"], r["status"]) for r in lines] == [(0, "assessed"), (1, "error"), (2, "assessed")]
    assert result.returncode == 1 and "read 3, assessed 2, errors 1" in result.stderr
    assert "- for JSON lines on standard input" in run("batch", "--help").stdout


def test_dash_is_standard_input_for_verify_and_compare(tmp_path):
    stored = run("assess", str(EXAMPLE), "--as-of", AS_OF, "--engine", "compiled", "--format", "json")
    assert run("verify", "-", str(EXAMPLE), input=stored.stdout).stdout.startswith("identical")
    compared = run("compare", "-", "--as-of", "2023-01-01", "--as-of", AS_OF, "--engine", "compiled",
                   input=EXAMPLE.read_text(encoding="utf-8"))
    assert compared.returncode == 0, compared.stderr
    assert_clean_error(run("verify", "-", "-"), "not both")
    assert_clean_error(run("interview", "-"), "standard input carries the answers")


def test_interview_checks_where_it_will_save_before_the_first_question(tmp_path):
    assert_clean_error(run("interview", "--save", str(tmp_path / "no" / "p.yaml")), "does not exist")
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_bash_completion_completes_commands_options_choices_and_files(tmp_path):
    script = run("completion", "bash")
    assert script.returncode == 0 and "complete " in script.stdout
    (tmp_path / "completion.bash").write_text(script.stdout, encoding="utf-8")
    (tmp_path / "client.yaml").write_text(GOOD, encoding="utf-8")

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in ("refugee-rules", *words))
        probe = (f"source completion.bash; COMP_WORDS=({line}); COMP_CWORD={len(words)}; "
                 '_shtab_refugee_rules; printf "%s\\n" "${COMPREPLY[@]}"')
        done = subprocess.run(["bash", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("ba") == ["batch"] and "completion" in complete("")
    assert complete("batch", "--wo") == ["--workers"]
    assert complete("assess", "client.yaml", "--engine", "") == ["durable", "compiled"]
    assert complete("assess", "cli") == ["client.yaml"]
    zsh = run("completion", "zsh")
    assert zsh.returncode == 0 and zsh.stdout.startswith("#compdef refugee-rules") and "assess" in zsh.stdout
    assert_clean_error(run("completion", "fish"), "invalid choice")
