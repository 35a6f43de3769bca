"""`manage.py sandbox_token`: an integration token bound to a demo institution, for demo databases only."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def sandbox_token(*args: str) -> str:
    out = StringIO()
    call_command("sandbox_token", *args, stdout=out)
    return out.getvalue()


def test_with_debug_off_it_refuses_without_force(world):
    with pytest.raises(CommandError, match="DEBUG off"):
        sandbox_token("--institution", str(world.bank_x.pk))


def test_an_unknown_institution_is_named(world):
    with pytest.raises(CommandError, match="--institution 999999"):
        sandbox_token("--institution", "999999", "--force")


def test_the_token_acts_as_a_member_of_that_institution_only(world):
    """Given bank X, when a sandbox token is issued for it twice, then the token reads /me/ as bank X's
    member and the sandbox user is made once, a member of bank X and of no other institution."""
    printed = sandbox_token("--institution", str(world.bank_x.pk), "--force")
    key = re.search(r"Token .*: (\S+)$", printed, flags=re.MULTILINE).group(1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = client.get("/api/v1/me/").json()
    assert me["role"] == "institution" and me["institution"]["id"] == world.bank_x.pk
    again = sandbox_token("--institution", str(world.bank_x.pk), "--force")
    assert "sandbox-" in again and world.bank_x.members.filter(username__startswith="sandbox-").count() == 1
    assert world.bank_y.members.filter(username__startswith="sandbox-").count() == 0
