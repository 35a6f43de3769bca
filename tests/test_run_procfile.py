"""`python -m config.procfile`, the supervisor behind `make run`: a signal or an entry ending stops every
entry's whole process group, and nothing is left behind, even when the signal comes during start-up."""

import os
import selectors
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.procfile import read_procfile

# Prints "ready" once its handler is in place; IGNORE_TERM makes it ignore SIGTERM, CHILD makes it start a
# grandchild in the same process group that ignores SIGTERM and outlives it.
ENTRY = """
import os, signal, subprocess, sys, time
if "IGNORE_TERM" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if "CHILD" in sys.argv:
    ignore_and_sleep = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
    subprocess.Popen([sys.executable, "-c", ignore_and_sleep, sys.argv[1]])
print("ready", flush=True)
time.sleep(600)
"""


def procfile(tmp_path: Path, marker: str, **entries: str) -> Path:
    (tmp_path / "entry.py").write_text(ENTRY)
    lines = [
        f"{name}: {command.format(python=sys.executable, entry=tmp_path / 'entry.py', marker=marker)}"
        for name, command in entries.items()
    ]
    path = tmp_path / "Procfile"
    path.write_text("# a comment\n\n" + "\n".join(lines) + "\n")
    return path


def supervise(path: Path, grace: float = 5.0) -> subprocess.Popen:
    code = (
        f"import sys, config.procfile as p; p.GRACE_SECONDS = {grace}; "
        f"sys.argv[1:] = [{str(path)!r}]; sys.exit(p.main())"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def read_until(process: subprocess.Popen, needle: bytes, count: int, timeout: float = 60) -> bytes:
    """The supervisor's output up to the count-th line containing needle (bounded wait)."""
    seen, out = 0, b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while seen < count:
            assert time.monotonic() < deadline, out.decode()
            if selector.select(deadline - time.monotonic()):
                line = process.stdout.readline()
                assert line, out.decode()
                out += line
                seen += needle in line
    return out


def left_behind(marker: str) -> list[int]:
    """Processes whose command line carries the marker (every entry of a test carries its own)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
        except OSError:
            continue
    return [pid for pid in pids if pid != os.getpid()]


@pytest.fixture
def marker():
    value = f"techfin-procfile-test-{uuid.uuid4().hex}"
    yield value
    for pid in left_behind(value):  # never leave a failed test's processes running
        os.kill(pid, signal.SIGKILL)


def test_given_running_entries_when_sigterm_then_all_stop_and_the_exit_code_says_so(tmp_path, marker):
    path = procfile(tmp_path, marker, web="{python} {entry} {marker}", worker="{python} {entry} {marker}")
    supervisor = supervise(path)
    read_until(supervisor, b"| ready", 2)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 128 + signal.SIGTERM
    out = supervisor.stdout.read().decode()
    assert "SIGTERM: SIGTERM to every entry" in out and "web stopped" in out and "worker stopped" in out
    assert left_behind(marker) == []


@pytest.mark.parametrize("delay_lines", [1, 2])
def test_given_a_signal_during_start_up_when_it_arrives_then_nothing_is_left(tmp_path, marker, delay_lines):
    """honcho 2.0 crashes here (KeyError in its handler) and leaves its entries running."""
    entries = {f"e{i}": "{python} {entry} {marker}" for i in range(4)}
    supervisor = supervise(procfile(tmp_path, marker, **entries))
    read_until(supervisor, b"started", delay_lines)
    supervisor.send_signal(signal.SIGINT)
    assert supervisor.wait(timeout=30) == 128 + signal.SIGINT
    assert left_behind(marker) == []


def test_given_an_entry_and_its_child_ignore_sigterm_when_stopping_then_they_are_killed_after_the_grace(
    tmp_path, marker
):
    path = procfile(tmp_path, marker, stubborn="{python} {entry} {marker} IGNORE_TERM CHILD")
    supervisor = supervise(path, grace=1.0)
    read_until(supervisor, b"| ready", 1)
    assert len(left_behind(marker)) >= 2  # the shell or the entry, and the grandchild
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 128 + signal.SIGTERM
    assert "SIGKILL to every entry" in supervisor.stdout.read().decode()
    assert left_behind(marker) == []


def test_given_one_entry_exits_when_supervising_then_the_others_stop_with_its_exit_code(tmp_path, marker):
    path = procfile(tmp_path, marker, web="{python} {entry} {marker}", broken="echo {marker} failing; exit 3")
    supervisor = supervise(path)
    assert supervisor.wait(timeout=30) == 3
    out = supervisor.stdout.read().decode()
    assert f"broken | {marker} failing" in out and "broken stopped: SIGTERM to every entry" in out
    assert left_behind(marker) == []


def test_given_a_line_without_a_name_when_reading_the_procfile_then_it_names_the_line(tmp_path):
    path = tmp_path / "Procfile"
    path.write_text("web: gunicorn\nnot a procfile line\n")
    with pytest.raises(SystemExit, match="Procfile:2: expected 'name: command'"):
        read_procfile(path)
    assert read_procfile(settings.BASE_DIR / "Procfile").keys() == {"web", "worker", "webhooks", "beat"}
