"""Exactly one beat sends: a second beat started by mistake waits on redbeat's lock, and takes over
only when the first is gone."""

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from celery import Celery

from tests.support.processes import ROOT, PrivateRedis, wait_until

pytestmark = pytest.mark.services
SENT = "Sending due task"


class Beat:
    def __init__(self, redis_url: str, log_path, loglevel: str = "INFO"):
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "TEST_CELERY_BROKER_URL": redis_url,
            # Renewed every 3 s (a third of it): a loaded machine's stall of a few seconds keeps it held.
            "REDBEAT_LOCK_TIMEOUT": "9",
            "PYTHONUNBUFFERED": "1",  # the banner (stdout) is how we see that it started
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                f"--loglevel={loglevel}",
                "-s",
                str(log_path) + ".db",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def sent(self) -> int:
        return self.output().count(SENT)

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(15)
        self.log.close()


@pytest.fixture
def redis_server():
    server = PrivateRedis()
    try:
        server.start()
    except RuntimeError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield server
    server.stop()


def make_everything_due(redis_url: str) -> None:
    """Pretend every entry last ran long ago, through redbeat's own entry API."""
    from redbeat.schedulers import RedBeatSchedulerEntry

    probe = Celery("probe", set_as_current=False)
    probe.conf.update(broker_url=redis_url, redbeat_redis_url=redis_url, timezone="Asia/Shanghai")
    for name in ("sweep-outbox", "sweep-deadlines"):
        entry = RedBeatSchedulerEntry.from_key(f"redbeat:{name}", app=probe)
        entry.reschedule(last_run_at=datetime(2000, 1, 1, tzinfo=UTC))


def test_a_second_beat_stays_idle_while_the_first_holds_the_lock_and_takes_over_after_it_dies(
    redis_server, tmp_path
):
    import redis

    client = redis.Redis.from_url(redis_server.url)
    first = Beat(redis_server.url, tmp_path / "first.log")
    second = None
    try:
        # Given a beat holding the lock, the schedule from config/celery.py written to Redis
        wait_until(lambda: "Acquired lock" in first.output(), message="the first beat to take the lock")
        assert client.exists("redbeat:sweep-outbox", "redbeat:sweep-deadlines", "redbeat:send-digests") == 3
        # And a second beat started by mistake
        second = Beat(redis_server.url, tmp_path / "second.log", loglevel="DEBUG")
        # redbeat logs this once its schedule is written, just before it blocks on the lock: waiting on the
        # banner instead let the second beat's schedule writes race the test's own below
        wait_until(lambda: "Acquiring lock" in second.output(), message="the second beat to wait on the lock")
        # When every entry is due
        make_everything_due(redis_server.url)
        # Then the first sends them and the second sends nothing
        # (beat logs "Sending due task" before it publishes, so the queue is awaited, not read once)
        wait_until(lambda: first.sent() >= 2, message="the first beat to send the due tasks")
        wait_until(lambda: client.llen("celery") >= 2, message="the due tasks to reach the queue")
        assert second.sent() == 0 and "Acquired lock" not in second.output()
        assert second.process.poll() is None  # waiting, not crashed

        # When the first beat dies without releasing the lock
        first.stop(signal.SIGKILL)
        wait_until(lambda: "Acquired lock" in second.output(), message="the second beat to take over")
        make_everything_due(redis_server.url)
        # Then the second sends, once the lock has expired
        wait_until(lambda: second.sent() >= 2, message="the second beat to send")
    finally:
        first.stop()
        if second is not None:
            second.stop()
