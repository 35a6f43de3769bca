"""Production headers: a Content-Security-Policy that the admin and Swagger UI live within (no inline
script anywhere), and the schema and Swagger UI behind authentication unless API_DOCS_PUBLIC opens them
(production's default is closed)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from coordination.services.tokens import issue_token
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources: list[str | None] = []
        self.inline_handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.sources.append(attributes.get("src"))
        self.inline_handlers += [name for name in attributes if name.startswith("on")]


def scripts_of(response) -> Scripts:
    parser = Scripts()
    parser.feed(response.content.decode())
    return parser


def assert_scripts_fit_the_policy(response) -> None:
    """What script-src 'self' lets a browser run: only same-origin files; no inline code or handlers."""
    found = scripts_of(response)
    assert found.sources, "expected the page to load scripts"
    assert all(src and src.startswith("/") and not src.startswith("//") for src in found.sources), (
        found.sources
    )
    assert not found.inline_handlers


def test_every_response_carries_a_tight_policy(world):
    response = Client().get("/admin/login/")
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "Content-Security-Policy" in APIClient().get("/api/v1/regions/")


def test_the_admin_runs_within_the_policy(world):
    admin = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    login = Client().get("/admin/login/")
    for page in (
        "/admin/",
        "/admin/coordination/financingrequest/",
        "/admin/auth/user/add/",
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        assert_scripts_fit_the_policy(response)
    assert not scripts_of(login).inline_handlers


def test_swagger_ui_runs_within_the_policy(world):
    page = APIClient().get("/api/v1/docs/")
    assert page.status_code == 200
    assert_scripts_fit_the_policy(page)
    sources = scripts_of(page).sources
    assert any("swagger-ui-bundle" in src for src in sources)
    setup = [src for src in sources if "script=" in src]
    assert len(setup) == 1  # Swagger UI's set-up code comes as a file, not inline
    script = APIClient().get(setup[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    # The page's one inline <style> block is what 'unsafe-inline' in style-src is for.
    assert re.search(rb"<style>", page.content)
    assert "'unsafe-inline'" in policy(page)["style-src"]


@override_settings(API_DOCS_PUBLIC=False)
@pytest.mark.parametrize("path", ["/api/v1/schema/?format=json", "/api/v1/docs/", "/api/v1/docs/?script="])
def test_given_docs_closed_anonymous_callers_get_a_401_and_signed_in_users_read_them(world, path):
    anonymous = APIClient().get(path)
    assert anonymous.status_code == 401
    if "schema" in path:
        assert json.loads(anonymous.content)["error"]["code"] == "not_authenticated"
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user=world.applicant_a)[1]}")
    assert token_client.get(path).status_code == 200
    session = Client()
    session.force_login(world.coordinator)  # a coordinator signed in to the admin opens Swagger UI
    assert session.get(path).status_code == 200


def test_docs_are_open_by_default_outside_production(world):
    assert settings.API_DOCS_PUBLIC is True
    assert APIClient().get("/api/v1/schema/").status_code == 200


def production_setting(name: str, **env: str):
    environment = {key: value for key, value in os.environ.items() if key != "API_DOCS_PUBLIC"}
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(64), DJANGO_SETTINGS_MODULE="config.settings.production", **env
    )
    code = f"import json; from config.settings import production as p; print(json.dumps(p.{name}))"
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_closes_the_docs_unless_the_setting_opens_them():
    assert production_setting("API_DOCS_PUBLIC") is False
    assert production_setting("API_DOCS_PUBLIC", API_DOCS_PUBLIC="true") is True
