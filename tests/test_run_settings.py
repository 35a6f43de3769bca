"""The run command's address: HOST, PORT and BIND decide where the web binds, what `make run` prints and
where e-mail links point (SITE_URL defaults to it). `.ci/smoke-quickstart` proves the running whole."""

import os
import re
import subprocess
import sys
from io import StringIO

import pytest
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


def test_given_port_when_make_run_evaluates_the_exports_then_every_process_gets_bind_and_site_url():
    """What `make run` evals before honcho: honcho overwrites PORT per entry, BIND and SITE_URL survive."""
    exports = subprocess.run(
        [sys.executable, "-m", "config.serving"],
        env={**os.environ, "PORT": "9123", "HOST": "", "BIND": "", "SITE_URL": ""},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    shell = subprocess.run(
        ["sh", "-c", 'eval "$1" && echo "$BIND $PORT $SITE_URL"', "sh", exports],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout.split() == ["127.0.0.1:9123", "9123", "http://127.0.0.1:9123"]


def test_given_a_bad_port_when_make_run_reads_the_address_then_it_stops_with_the_reason():
    result = subprocess.run(
        [sys.executable, "-m", "config.serving"],
        env={**os.environ, "PORT": "http", "BIND": ""},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "PORT must be a TCP port" in result.stderr
    assert result.stdout == ""


def test_given_port_set_as_honcho_does_when_gunicorn_reads_its_config_then_it_binds_loopback_only():
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
