"""A small market for matching tests: Shanghai (a pilot zone) and Beijing, one applicant enterprise."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coordination.matching.proposal import proposal_for_coordinator
from projects.credits.choices import TRIAL_2024
from projects.models import CreditModel, InnovationCreditScore
from tests import factories as f


class Market:
    def __init__(self):
        self.today = timezone.localdate()
        self.shanghai = f.RegionFactory(code="310000", name="上海市", pilot_zone=True)
        # The pilot flag is Shanghai's alone here (the shipped districts carry it too), so a test can
        # switch it off in one place.
        self.pudong = f.RegionFactory(code="310115", name="浦东新区", parent=self.shanghai, pilot_zone=False)
        self.xuhui = f.RegionFactory(code="310104", name="徐汇区", parent=self.shanghai, pilot_zone=False)
        self.beijing = f.RegionFactory(code="110000", name="北京市")
        self.haidian = f.RegionFactory(code="110108", name="海淀区", parent=self.beijing)
        self.ai = f.TechFieldFactory(code="ai", name="人工智能", hard_tech=True)
        self.chips = f.TechFieldFactory(code="integrated-circuits", name="集成电路", hard_tech=True)
        self.retail = f.TechFieldFactory(code="retail-tech", name="零售科技", hard_tech=False)
        self.user = f.UserFactory(username="applicant")
        self.enterprise = f.EnterpriseFactory(region=self.pudong, members=[self.user])
        self.enterprise.fields.add(self.ai)
        # The version products' minimums are on by default (Product.min_credit_version).
        self.model = CreditModel.objects.get(version=TRIAL_2024)

    def institution(self, kind="bank", **kwargs):
        regions = kwargs.pop("regions", ())
        institution = f.InstitutionFactory(kind=kind, **kwargs)
        institution.regions.set(regions)
        return institution

    def product(self, institution=None, *, regions=(), fields=(), **kwargs):
        product = f.ProductFactory(institution=institution or self.institution(), **kwargs)
        product.regions.set(regions)
        product.fields.set(fields)
        return product

    def request(
        self, tranches=(("credit_loan", "3000000"),), *, term_months=24, major_task=None, enterprise=None
    ):
        return f.draft_request(
            user=self.user,
            enterprise=enterprise or self.enterprise,
            tranches=tranches,
            term_months=term_months,
            major_task=major_task,
            documents=False,
        )

    def score(self, total, *, enterprise=None, year=2025, percentile=None, cohort_size=None, model=None):
        enterprise = enterprise or self.enterprise
        model = model or self.model
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
            cohort_size=cohort_size,
            computed_at=timezone.now(),
        )

    def days(self, n):
        return self.today + timedelta(days=n)


@pytest.fixture
def market(db) -> Market:
    return Market()


def ranked(request, tranche_position=1):
    """Every eligible candidate of a tranche, ranked (proposed or not)."""
    proposal = proposal_for_coordinator(request)
    return next(t for t in proposal.tranches if t.tranche.position == tranche_position).candidates


def factor(candidate, key):
    return next(line for line in candidate.explanation if line["factor"] == key)
