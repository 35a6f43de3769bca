"""Suite-wide setup: report which database and broker are used, and refuse to run without them in CI."""

import os
import socket
from decimal import Decimal
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
def redis_broker(worker_id: str) -> str:
    """A Redis database of its own per xdist worker; fails in CI (and skips locally) when Redis is down."""
    index = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    url = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + f"/{15 - index}"
    if not url.startswith("redis://") or not _reachable(url, 6379):
        message = f"Redis broker not reachable at {url}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(scope="session", autouse=True)
def stub_dns():
    """Webhook URLs are resolved by a stub, for the whole session (module-scoped worlds subscribe too):
    `*.example.cn` is loopback, other names do not resolve. A test that needs more names installs its own
    (tests/support/dns.py)."""
    from tests.support import dns

    with pytest.MonkeyPatch.context() as patch:
        yield dns.install(patch)


class World:
    """Applicants A and B, banks X and Y, an insurer, a VC, a Shanghai coordinator and two national ones."""

    def __init__(self):
        from tests import factories as f

        self.shanghai = f.RegionFactory(
            code="310000", name="上海市", pilot_zone=True, innovation_center="shanghai"
        )
        self.pudong = f.RegionFactory(code="310115", name="浦东新区", parent=self.shanghai)
        self.beijing = f.RegionFactory(code="110000", name="北京市", innovation_center="beijing")
        self.haidian = f.RegionFactory(code="110108", name="海淀区", parent=self.beijing)
        self.applicant_a = f.UserFactory(username="applicant-a")
        self.applicant_b = f.UserFactory(username="applicant-b")
        self.enterprise_a = f.EnterpriseFactory(region=self.pudong, members=[self.applicant_a])
        self.enterprise_b = f.EnterpriseFactory(region=self.haidian, members=[self.applicant_b])
        self.bank_x_user = f.UserFactory(username="bank-x")
        self.bank_y_user = f.UserFactory(username="bank-y")
        self.insurer_user = f.UserFactory(username="insurer")
        self.vc_user = f.UserFactory(username="vc")
        self.bank_x = f.InstitutionFactory(name="Bank X", kind="bank", members=[self.bank_x_user])
        self.bank_y = f.InstitutionFactory(name="Bank Y", kind="bank", members=[self.bank_y_user])
        self.insurer = f.InstitutionFactory(name="Insurer", kind="insurer", members=[self.insurer_user])
        self.vc = f.InstitutionFactory(name="VC", kind="vc", members=[self.vc_user])
        self.loan_x = f.ProductFactory(institution=self.bank_x, name="X tech loan")
        self.loan_y = f.ProductFactory(institution=self.bank_y, name="Y tech loan")
        self.rd_insurance = f.ProductFactory(institution=self.insurer, name="R&D cover")
        self.equity = f.ProductFactory(institution=self.vc, name="Seed fund", min_amount=Decimal("500000"))
        self.coordinator = f.coordinator("coord-sh", regions=[self.shanghai])
        self.national = f.coordinator("national-1", national=True)
        self.national_2 = f.coordinator("national-2", national=True)
        self.major_task = f.MajorTaskFactory(lead_enterprise=self.enterprise_a, field=f.TechFieldFactory())


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def committed_world(transactional_db) -> World:
    """The same world, committed, for tests where other processes or threads must see it."""
    return World()


@pytest.fixture(autouse=True)
def _shipped_credit_models(request: pytest.FixtureRequest) -> None:
    """Every database test starts with the credit model versions that migrations ship (products name
    theirs), which an earlier transactional test's flush removes for the rest of its worker."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        return
    transactional = bool("transactional_db" in names or (marker and marker.kwargs.get("transaction")))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from tests.support.reference import shipped_credit_models

    shipped_credit_models()
