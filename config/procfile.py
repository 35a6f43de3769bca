"""Run the Procfile's entries for `make run` until Ctrl-C or SIGTERM, and leave nothing behind.

`python -m config.procfile [Procfile]`. Each entry runs under `sh -c` in a process group of its own, its
output prefixed with its name. A SIGINT or SIGTERM, or any entry ending, sends SIGTERM to every group;
whatever is still there GRACE_SECONDS later gets SIGKILL. An entry counts as stopped only when its whole
group is gone (gunicorn's and Celery's children included), not just its shell.

Why not honcho: honcho 2.0 raises KeyError from its signal handler when a SIGTERM arrives before it has
heard back from every process it started, and then leaves them all running.
"""

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

GRACE_SECONDS = 5.0
# After SIGKILL a group empties as soon as the kernel has reaped it; this only bounds a stuck reaper.
KILL_WAIT_SECONDS = 2.0


def read_procfile(path: Path) -> dict[str, str]:
    """`name: command` lines; blank lines and `#` comments are skipped."""
    entries = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, command = line.partition(":")
        if not colon or not name.strip().isidentifier() or not command.strip():
            raise SystemExit(f"{path}:{number}: expected 'name: command', got {line!r}")
        entries[name.strip()] = command.strip()
    if not entries:
        raise SystemExit(f"{path}: no entries")
    return entries


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Entry:
    name: str
    process: subprocess.Popen
    pending: bytes = b""
    returncode: int | None = None

    @property
    def running(self) -> bool:
        if self.returncode is None:
            self.returncode = self.process.poll()
        return self.returncode is None or group_alive(self.process.pid)


class Supervisor:
    def __init__(self, entries: dict[str, str], out=sys.stdout):
        self.commands = entries
        self.out = out
        self.width = max(len(name) for name in [*entries, "system"])
        self.entries: list[Entry] = []
        self.selector = selectors.DefaultSelector()
        self.signals: list[int] = []
        self.stopping_since: float | None = None
        self.killed = False
        self.exit_code: int | None = None

    def say(self, name: str, text: str) -> None:
        self.out.write(f"{time.strftime('%H:%M:%S')} {name:<{self.width}} | {text}\n")
        self.out.flush()

    def send(self, sig: int) -> None:
        for entry in self.entries:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(entry.process.pid, sig)

    def stop(self, reason: str, exit_code: int) -> None:
        self.stopping_since = time.monotonic()
        self.exit_code = exit_code
        self.say("system", f"{reason}: SIGTERM to every entry")
        self.send(signal.SIGTERM)

    def kill(self, reason: str) -> None:
        self.killed = True
        self.say("system", f"{reason}: SIGKILL to every entry")
        self.send(signal.SIGKILL)

    def on_signal(self, signum: int, _frame) -> None:
        # Only noted here: the loop acts on it within 0.2 s, so no output is written from a handler.
        self.signals.append(signum)

    def handle_signals(self) -> None:
        while self.signals:
            name = signal.Signals(signum := self.signals.pop(0)).name
            if self.stopping_since is None:
                self.stop(name, 128 + signum)
            elif not self.killed:
                self.kill(f"{name} while stopping")

    def start(self) -> None:
        for name, command in self.commands.items():
            if self.signals:  # a signal came while starting: start nothing more
                return
            process = subprocess.Popen(
                ["/bin/sh", "-c", command],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            entry = Entry(name, process)
            self.entries.append(entry)
            self.selector.register(process.stdout, selectors.EVENT_READ, entry)
            self.say("system", f"{name} started (pid {process.pid}): {command}")

    def pump(self, timeout: float) -> None:
        """Print whatever the entries wrote, whole lines at a time."""
        for key, _ in self.selector.select(timeout):
            entry: Entry = key.data
            chunk = os.read(key.fd, 65536)
            if not chunk:
                self.selector.unregister(key.fileobj)
                key.fileobj.close()
                chunk = b"\n" if entry.pending else b""
            *lines, entry.pending = (entry.pending + chunk).split(b"\n")
            for line in lines:
                self.say(entry.name, line.decode(errors="replace"))

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.on_signal)
        self.start()
        reported: set[str] = set()
        while True:
            self.handle_signals()
            if self.selector.get_map():
                self.pump(0.2)
            else:
                time.sleep(0.2)
            running = [entry for entry in self.entries if entry.running]
            for entry in self.entries:
                if entry not in running and entry.name not in reported:
                    reported.add(entry.name)
                    self.say("system", f"{entry.name} stopped (exit {entry.returncode})")
                    if self.stopping_since is None:
                        self.stop(f"{entry.name} stopped", entry.returncode or 1)
            if not running:
                break
            waited = time.monotonic() - (self.stopping_since or time.monotonic())
            if waited > GRACE_SECONDS and not self.killed:
                self.kill(f"still running {GRACE_SECONDS:.0f} s after SIGTERM")
            if waited > GRACE_SECONDS + KILL_WAIT_SECONDS:
                self.say("system", "giving up on " + ", ".join(entry.name for entry in running))
                break
        self.pump(0)  # the last lines of the entries that just stopped
        return self.exit_code or 0


def main() -> int:
    procfile = Path(sys.argv[1] if len(sys.argv) > 1 else "Procfile")
    return Supervisor(read_procfile(procfile)).run()


if __name__ == "__main__":
    sys.exit(main())
