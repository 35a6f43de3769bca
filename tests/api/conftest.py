import pytest
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
