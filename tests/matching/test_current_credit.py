"""One current innovation credit (DESIGN §5): the score of the enterprise's latest financial year that has
a score, under the newest published version that scored that year — and every reader shows the same one.

The case of issue 11: model 2024-trial scores the enterprise's 2025 at 80, a later-published copy scores only
its 2024 at 40. The latest scored year is 2025, so the current credit is 80, not the newer version's 40.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from coordination.matching.eligibility import ineligibility_reasons
from projects.credits import services
from projects.credits.choices import TRIAL_2024
from projects.models import CreditModel, Enterprise
from tests import factories as f

from .conftest import factor, ranked

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(market):
    """Given 2024-trial scoring 2025 at 80, then a copy published later and scoring 2024 at 40."""
    market.score("80.00", year=2025, model=market.model)
    v21 = services.publish_model(model_id=services.clone_model(model_id=market.model.pk, version="2.1").pk)
    assert v21.published_at > market.model.published_at
    market.score("40.00", year=2024, model=v21)
    return market


def test_given_80_under_2_0_for_2025_and_40_under_later_2_1_for_2024_then_current_credit_is_80(scored):
    from projects.credits.selectors import current_credit

    credit = current_credit(scored.enterprise.pk)
    assert (credit.total, credit.year, credit.model.version) == (Decimal("80.00"), 2025, TRIAL_2024)


def test_given_the_80_40_case_when_the_api_reads_the_enterprise_then_it_shows_80(scored):
    client = APIClient()
    client.force_authenticate(scored.user)
    payload = client.get(f"/api/v1/enterprises/{scored.enterprise.pk}/").json()
    assert payload["innovation_credit"]["total"] == "80.00"
    assert (payload["innovation_credit"]["year"], payload["innovation_credit"]["model"]) == (2025, TRIAL_2024)


def test_given_the_80_40_case_when_matching_then_the_filter_and_the_score_use_80(scored):
    request = scored.request()
    product = scored.product(min_credit_score=Decimal("60"))
    tranche = request.tranches.get(position=1)
    assert ineligibility_reasons(product, tranche, request, today=scored.today) == []
    candidate = next(c for c in ranked(request) if c.product.pk == product.pk)
    line = factor(candidate, "innovation_credit")
    assert line["value"] == 80.0 and "model 2024-trial for 2025" in line["text"]


def test_given_the_80_40_case_when_the_admin_lists_enterprises_then_it_shows_80(scored, admin_client):
    page = admin_client.get(reverse("admin:projects_enterprise_changelist"))
    assert page.status_code == 200
    row = page.content.decode().split(f'href="/admin/projects/enterprise/{scored.enterprise.pk}/change/')[1]
    assert 'class="field-current_credit">80.00<' in row.split("</tr>")[0]


def test_given_several_enterprises_then_the_bulk_form_agrees_with_the_single_one(scored):
    from projects.credits.selectors import current_credit, current_credits, with_current_credit

    unscored = f.EnterpriseFactory(region=scored.pudong)
    only_2_1 = f.EnterpriseFactory(region=scored.pudong)
    scored.score("55.00", enterprise=only_2_1, year=2023, model=CreditModel.objects.get(version="2.1"))
    ids = [scored.enterprise.pk, unscored.pk, only_2_1.pk]
    bulk = current_credits(ids)
    assert set(bulk) == {scored.enterprise.pk, only_2_1.pk}
    for pk in ids:
        single = current_credit(pk)
        assert (bulk[pk].pk if pk in bulk else None) == (single.pk if single else None)
    annotated = with_current_credit(Enterprise.objects.filter(pk__in=ids))
    assert dict(annotated.values_list("pk", "current_credit")) == {
        scored.enterprise.pk: Decimal("80.00"),
        unscored.pk: None,
        only_2_1.pk: Decimal("55.00"),
    }
