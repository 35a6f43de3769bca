import pytest
from django.db import transaction
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """An API client per user: api(user) is authenticated with a real token from auth/token/."""
    from coordination.services.tokens import issue_token

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, key = issue_token(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return client_for


@pytest.fixture(scope="module")
def state(django_db_setup, django_db_blocker):
    """`tests.api.helpers.build_state()`, built once per module inside a transaction rolled back at its end;
    each test runs in a savepoint of it."""
    from .helpers import build_state

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_state()
        transaction.set_rollback(True)
