"""Suite-wide setup: report which database and broker are used, and refuse to run without them in CI."""

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI", "").lower() == "true"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def _database_label() -> str:
    db = settings.DATABASES["default"]
    return f"{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''}:{db.get('PORT') or ''}/{db['NAME']}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"database: {_database_label()}", f"broker: {settings.CELERY_BROKER_URL}"]


def pytest_sessionstart(session: pytest.Session) -> None:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql") and not _reachable(
        f"postgres://{db['HOST']}:{db['PORT'] or 5432}", 5432
    ):
        pytest.exit(
            f"PostgreSQL is not reachable at {db['HOST']}:{db['PORT']}; start it or set TEST_DATABASE_URL", 3
        )
    if IN_CI and not db["ENGINE"].endswith("postgresql"):
        pytest.exit("CI must run the suite on PostgreSQL", 3)


@pytest.fixture
def redis_broker() -> str:
    """The Redis broker URL; a test that needs it fails in CI (and skips locally) when it is down."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://") or not _reachable(url, 6379):
        message = f"Redis broker not reachable at {url}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url
