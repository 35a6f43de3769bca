"""The run command's address: HOST, PORT and BIND decide where the web binds, what `make run` prints and
where e-mail links point (SITE_URL defaults to it). `.ci/smoke-quickstart` proves the running whole."""

import contextlib
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from io import StringIO

import pytest
import requests
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command

from config.serving import AddressError, host_of, listen_address, site_url
from coordination.notifications import relay
from tests.notifications.test_relay import relay_everything, submitted

ROOT = django_settings.BASE_DIR


def run_python(code: str, **environ: str) -> str:
    """Run code in a fresh interpreter with only the given address variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in {"HOST", "PORT", "BIND", "SITE_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **environ},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("environ", "bind", "url"),
    [
        ({}, "127.0.0.1:8000", "http://127.0.0.1:8000"),
        ({"PORT": "9123"}, "127.0.0.1:9123", "http://127.0.0.1:9123"),
        ({"HOST": "0.0.0.0", "PORT": "9123"}, "0.0.0.0:9123", "http://127.0.0.1:9123"),
        ({"HOST": "::", "PORT": "9123"}, "[::]:9123", "http://[::1]:9123"),
        ({"HOST": "::1"}, "[::1]:8000", "http://[::1]:8000"),
        (
            {"BIND": "10.1.2.3:7000", "HOST": "127.0.0.2", "PORT": "9123"},
            "10.1.2.3:7000",
            "http://10.1.2.3:7000",
        ),
        ({"BIND": "[::1]:7000"}, "[::1]:7000", "http://[::1]:7000"),
        ({"BIND": "127.0.0.5", "PORT": "9123"}, "127.0.0.5:9123", "http://127.0.0.5:9123"),
    ],
)
def test_given_host_port_or_bind_when_reading_the_address_then_bind_and_url_agree(environ, bind, url):
    address = listen_address(environ)
    assert address.bind == bind
    assert address.url == url
    assert site_url(environ) == url


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"BIND": "127.0.0.1:0"}, "BIND"),
        ({"BIND": "unix:/run/techfin.sock"}, "BIND"),
        ({"BIND": "[::1]x"}, "BIND"),
    ],
)
def test_given_an_unusable_address_when_reading_it_then_the_error_names_the_variable(environ, named):
    with pytest.raises(AddressError, match=named):
        listen_address(environ)


def test_given_site_url_when_reading_it_then_it_wins_without_its_trailing_slash():
    environ = {"PORT": "9123", "SITE_URL": "https://techfin.example.cn/"}
    assert site_url(environ) == "https://techfin.example.cn"
    assert listen_address(environ).url == "http://127.0.0.1:9123"
    assert host_of(site_url(environ)) == "techfin.example.cn"
    assert host_of("http://[::1]:8000") == "[::1]"


def test_given_port_when_settings_load_then_site_url_and_allowed_hosts_follow_it(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SITE_URL); print(','.join(settings.ALLOWED_HOSTS))"
    )
    out = run_python(
        code, DJANGO_SETTINGS_MODULE="config.settings.local", TECHFIN_VAR_DIR=str(tmp_path), PORT="9123"
    )
    site, hosts = out.splitlines()[-2:]
    assert site == "http://127.0.0.1:9123"
    assert "127.0.0.1" in hosts.split(",")
    out = run_python(
        code,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        TECHFIN_VAR_DIR=str(tmp_path),
        SITE_URL="http://techfin.lan:8000",
    )
    assert out.splitlines()[-2:] == ["http://techfin.lan:8000", "localhost,127.0.0.1,[::1],techfin.lan"]


def test_given_port_when_gunicorn_reads_its_config_then_it_binds_loopback_only():
    """gunicorn's own default would bind 0.0.0.0:$PORT whenever PORT is set."""
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        env={**os.environ, "PORT": "9123", "HOST": "", "BIND": "", "WEB_CONCURRENCY": "3"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    printed = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))
    assert printed["bind"] == "['127.0.0.1:9123']"
    assert printed["workers"] == "3"
    assert printed["control_socket_disable"] == "True"


def test_when_demo_logins_runs_then_it_prints_the_bound_url_and_where_links_point(monkeypatch, settings):
    monkeypatch.setenv("PORT", "9123")
    for name in ("HOST", "BIND"):
        monkeypatch.delenv(name, raising=False)
    settings.SITE_URL = "http://127.0.0.1:9123"
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "is starting at http://127.0.0.1:9123/\n" in out.getvalue()
    assert "SITE_URL" not in out.getvalue()

    settings.SITE_URL = "https://techfin.example.cn"
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "is starting at http://127.0.0.1:9123/\n" in out.getvalue()
    assert "links in e-mails point to SITE_URL: https://techfin.example.cn/" in out.getvalue()


@pytest.mark.django_db
def test_given_site_url_when_notifications_are_mailed_then_every_link_uses_it(world, monkeypatch, settings):
    monkeypatch.setattr(relay, "dispatch", lambda ids: None)
    settings.SITE_URL = "http://127.0.0.1:9123"
    submitted(world)
    relay_everything()
    assert mail.outbox
    for message in mail.outbox:
        for body in (message.body, message.alternatives[0][0]):
            links = re.findall(r"https?://[^\s\"<>]+", body)
            assert links and all(link.startswith("http://127.0.0.1:9123/") for link in links)


DEPLOY = ROOT / "deploy"


def deployed_here(text: str) -> str:
    """A unit as installed on a node, with this checkout as the application folder."""
    return text.replace("/srv/techfin/app", str(ROOT)).replace(
        "/etc/techfin/techfin.env", str(DEPLOY / "techfin.env.example")
    )


def test_given_the_systemd_units_when_systemd_verifies_them_then_it_has_nothing_to_say(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert [u.name for u in units] == [
        "techfin-beat.service",
        "techfin-web.service",
        "techfin-webhooks.service",
        "techfin-worker.service",
    ]
    for unit in units:
        text = unit.read_text()
        assert "Restart=always" in text and "EnvironmentFile=/etc/techfin/techfin.env" in text
        (tmp_path / unit.name).write_text(deployed_here(text))
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_given_the_web_unit_and_the_example_env_when_started_then_it_serves_and_stops_on_sigterm(tmp_path):
    """The unit's ExecStart, on production settings from the example env file, behind a balancer's headers."""
    service = (DEPLOY / "systemd" / "techfin-web.service").read_text()
    command = shlex.split(deployed_here(re.search(r"^ExecStart=(.*)$", service, re.MULTILINE)[1]))
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "techfin.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    port = free_port()
    environ = {
        "PATH": os.environ["PATH"],
        **example,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "TECHFIN_VAR_DIR": str(tmp_path),
    }
    log_path = tmp_path / "web.log"
    with log_path.open("wb") as log_file:
        web = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        headers = {
            "Host": example["ALLOWED_HOSTS"].split(",")[0],
            "X-Forwarded-Proto": "https",
            "X-Request-ID": "req-from-the-balancer",
        }
        deadline = time.monotonic() + 60
        status = None
        while status is None and time.monotonic() < deadline:
            try:
                status = requests.get(
                    f"http://127.0.0.1:{port}/healthz", headers=headers, timeout=10, allow_redirects=False
                ).status_code
            except requests.RequestException:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    assert web.wait(timeout=0.2) is None, log_path.read_text()
        assert status == 200
        plain = requests.get(
            f"http://127.0.0.1:{port}/healthz",
            headers={"Host": headers["Host"]},
            timeout=10,
            allow_redirects=False,
        )
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    finally:
        web.send_signal(signal.SIGTERM)
        assert web.wait(timeout=30) == 0
    log = log_path.read_text()
    assert f"Listening at: http://127.0.0.1:{port}" in log
    assert '"GET /healthz HTTP/1.1" 200' in log and "request_id=req-from-the-balancer" in log
