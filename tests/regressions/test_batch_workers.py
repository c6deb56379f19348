"""Issue 17: a batch's worker processes never outlive it. kill -9, SIGTERM or Ctrl-C of `batch --workers 2` left
both workers running, orphaned, holding case data in memory and waiting on their queue forever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.terminal import ctrl_c_as_at_a_terminal
from tests.test_cli import COMMAND

RECORD = {"nationalities": ["RU"], "location": {"country": "GE"}, "fear": {"fears_return": True}}


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc; a worker a dying parent leaves is re-parented)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie no init has reaped yet has exited: it holds no memory)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not COMMAND or not Path("/proc/self/stat").exists(), reason="needs the console script and /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT"])
def test_batch_workers_exit_when_the_batch_is_killed_or_interrupted(tmp_path, how):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(dict(RECORD, case_ref=f"c{i}")) + "\n" for i in range(20_000)))
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([COMMAND, "batch", str(source), "-o", str(out), "--workers", "2", "--engine", "compiled",
                             "--as-of", "2024-03-01"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True,  # its own process group: Ctrl-C is sent to the group
                            preexec_fn=ctrl_c_as_at_a_terminal)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 50):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert len(workers) >= 2, workers  # the pool's two workers (and nothing has finished yet)
        if how == "SIGINT":
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C at a terminal does
        else:
            proc.send_signal(getattr(signal, how))
        code = proc.wait(timeout=30)
        if how == "SIGINT":
            assert code == 130 and b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "batch workers outlived the batch"
        lines = out.read_bytes().split(b"\n")
        assert all(json.loads(line)["status"] == "assessed" for line in lines[:-1])  # what was written is whole
    finally:
        for pid in [proc.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
