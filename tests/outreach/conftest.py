"""A world for recommendation lists: the suite's world, with consents, credits and a re-lending facility."""

from decimal import Decimal

import pytest
from django.utils import timezone

from coordination.models import RecommendationConsent
from projects.models import CreditModel, InnovationCreditScore
from tests import factories as f
from tests.factories_policy import ProgrammeFactory


def score(enterprise, total, *, version="2.0", year=2025, percentile=None):
    model = CreditModel.objects.get(version=version)
    return InnovationCreditScore.objects.create(
        enterprise=enterprise,
        model=model,
        year=year,
        stage=enterprise.stage,
        cohort=f"{enterprise.region.code[:2]}0000:{enterprise.stage}",
        total=Decimal(str(total)),
        tech_innovation=Decimal(str(total)),
        growth_operations=Decimal("0"),
        auxiliary=Decimal("0"),
        model_fingerprint=model.fingerprint,
        percentile=percentile,
        computed_at=timezone.now(),
    )


def consent(enterprise, given=True):
    RecommendationConsent.objects.update_or_create(enterprise=enterprise, defaults={"given": given})


@pytest.fixture
def outreach(world):
    """Three Shanghai firms in integrated circuits (two consenting, one of them top-scored) and a Beijing one;
    bank X re-lending eligible; the national re-lending facility in force."""
    w = world
    w.ic = f.TechFieldFactory(code="ic-test", name="集成电路", hard_tech=True)
    w.manager_a = f.UserFactory(username="manager-a")
    w.enterprise_a.managers.add(w.manager_a)
    w.enterprise_a.members.add(w.manager_a)
    w.enterprise_a.fields.add(w.ic)
    w.enterprise_c = f.EnterpriseFactory(region=w.pudong, name="Chip Co C")
    w.enterprise_c.fields.add(w.ic)
    w.enterprise_d = f.EnterpriseFactory(region=w.pudong, name="Silent Co D")
    w.enterprise_d.fields.add(w.ic)
    w.enterprise_b.fields.add(w.ic)
    score(w.enterprise_a, 85, percentile=95)
    score(w.enterprise_c, 72, percentile=80)
    score(w.enterprise_d, 90, percentile=99)  # no consent: never listed
    score(w.enterprise_b, 60, percentile=50)
    for firm in (w.enterprise_a, w.enterprise_c, w.enterprise_b):
        consent(firm)
    w.bank_x.relending_eligible = True
    w.bank_x.save(update_fields=["relending_eligible"])
    w.relending = ProgrammeFactory(kind="relending", code="relending-test", budget=Decimal("1000000000"))
    return w


@pytest.fixture
def api():
    """An API client per user, authenticated with a real token (as tests/api/conftest.py)."""
    from rest_framework.test import APIClient

    from coordination.services.tokens import issue_token

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, key = issue_token(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return client_for
