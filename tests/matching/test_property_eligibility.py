"""Over random catalogues, requests and histories: nothing is ever proposed that the Python check
rejects, and the SQL filter finds exactly the products the Python check accepts."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from coordination.matching.eligibility import ineligibility_reasons
from coordination.matching.policy import kind_of, route_limit
from coordination.matching.proposal import propose, proposal_for_coordinator
from coordination.models import Referral
from lenders.choices import INSTRUMENTS_BY_KIND
from lenders.models import Product
from projects.models import CreditModel, InnovationCreditScore
from tests import factories as f

M = 1_000_000
KINDS = ["bank", "bank", "insurer", "vc", "guarantor"]
INSTRUMENTS = ["credit_loan", "ip_pledge_loan", "equity", "rd_insurance", "guarantee"]
AMOUNTS = [Decimal(1 * M), Decimal(2 * M), Decimal(3 * M), Decimal("3000000.01"), Decimal(5 * M)]
TERMS = [6, 12, 24, 36, 60]
SCORES = [None, Decimal("0"), Decimal("30"), Decimal("50"), Decimal("50.5"), Decimal("70")]
MINIMUMS = [Decimal("0"), Decimal("30"), Decimal("50"), Decimal("50.5"), Decimal("70")]
REGIONS = ["310000", "310115", "310104", "110000", "110108"]

subset = st.lists(st.integers(min_value=0, max_value=4), max_size=3, unique=True)
product_spec = st.fixed_dictionaries(
    {
        "institution": st.integers(min_value=0, max_value=4),
        "instrument_pick": st.integers(min_value=0, max_value=2),
        "min_amount": st.sampled_from(AMOUNTS[:3]),
        "span": st.sampled_from([Decimal(0), Decimal("0.01"), Decimal(2 * M), Decimal(10 * M)]),
        "min_term": st.sampled_from(TERMS[:3]),
        "term_span": st.sampled_from([0, 12, 36]),
        "stages": st.tuples(st.booleans(), st.booleans(), st.booleans()),
        "min_credit_score": st.sampled_from(MINIMUMS),
        "requires_tech_sme": st.booleans(),
        "capacity": st.sampled_from([Decimal(3 * M), Decimal(5 * M), Decimal(100 * M)]),
        "used": st.sampled_from([Decimal(0), Decimal(2 * M), Decimal("2000000.01")]),
        "regions": subset,
        "fields": st.lists(st.integers(min_value=0, max_value=2), max_size=2, unique=True),
        "active": st.booleans() | st.just(True),
        "starts": st.sampled_from([-10, 0, 1]),
        "ends": st.sampled_from([None, -1, 0, 30]),
    }
)
scenario = st.fixed_dictionaries(
    {
        "products": st.lists(product_spec, min_size=1, max_size=12),
        "institution_regions": st.lists(subset, min_size=5, max_size=5),
        "institution_active": st.lists(st.booleans() | st.just(True), min_size=5, max_size=5),
        "region": st.sampled_from(["310115", "310104", "110108"]),
        "stage": st.sampled_from(["startup", "growth", "stable"]),
        "tech_sme": st.booleans(),
        "fields": st.lists(st.integers(min_value=0, max_value=2), max_size=2, unique=True),
        "score": st.sampled_from(SCORES),
        "term": st.sampled_from(TERMS),
        "tranches": st.lists(
            st.tuples(st.sampled_from(INSTRUMENTS), st.sampled_from(AMOUNTS)), min_size=1, max_size=3
        ),
        "history": st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=2),
                st.integers(min_value=0, max_value=11),
                st.sampled_from(["sent", "declined", "expired", "offered"]),
            ),
            max_size=4,
        ),
    }
)


class EligibilityProperty(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.regions = {code: f.RegionFactory(code=code, pilot_zone=code == "310000") for code in REGIONS}
        cls.fields = [f.TechFieldFactory(code=f"pf-{i}", hard_tech=i != 2) for i in range(3)]
        cls.user = f.UserFactory(username="property-applicant")
        cls.model = CreditModel.objects.get(version="2.0")

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(scenario)
    def test_never_routed_to_an_ineligible_product(self, s):
        today = timezone.localdate()
        enterprise = f.EnterpriseFactory(
            region=self.regions[s["region"]],
            stage=s["stage"],
            tech_sme_registration_no="2026X1" if s["tech_sme"] else "",
            members=[self.user],
        )
        enterprise.fields.set([self.fields[i] for i in s["fields"]])
        if s["score"] is not None:
            InnovationCreditScore.objects.create(
                enterprise=enterprise,
                model=self.model,
                year=2025,
                stage=enterprise.stage,
                cohort="x",
                total=s["score"],
                tech_innovation=s["score"],
                growth_operations=0,
                auxiliary=0,
                model_fingerprint=self.model.fingerprint,
                computed_at=timezone.now(),
            )
        institutions = []
        for index, kind in enumerate(KINDS):
            institution = f.InstitutionFactory(kind=kind, is_active=s["institution_active"][index])
            institution.regions.set([self.regions[REGIONS[i]] for i in s["institution_regions"][index]])
            institutions.append(institution)
        products = []
        for spec in s["products"]:
            institution = institutions[spec["institution"]]
            choices = INSTRUMENTS_BY_KIND[institution.kind]
            capacity = spec["capacity"]
            product = Product.objects.create(
                institution=institution,
                name="p",
                instrument=choices[spec["instrument_pick"] % len(choices)],
                min_amount=spec["min_amount"],
                max_amount=spec["min_amount"] + spec["span"],
                min_term_months=spec["min_term"],
                max_term_months=spec["min_term"] + spec["term_span"],
                for_startup=spec["stages"][0],
                for_growth=spec["stages"][1],
                for_stable=spec["stages"][2],
                min_credit_score=spec["min_credit_score"],
                requires_tech_sme=spec["requires_tech_sme"],
                yearly_capacity=capacity,
                capacity_used=min(spec["used"], capacity),
                active_from=today + timedelta(days=spec["starts"]),
                active_until=(
                    today + timedelta(days=max(spec["ends"], spec["starts"]))
                    if spec["ends"] is not None
                    else None
                ),
                is_active=spec["active"],
            )
            product.regions.set([self.regions[REGIONS[i]] for i in spec["regions"]])
            product.fields.set([self.fields[i] for i in spec["fields"]])
            products.append(product)
        request = f.draft_request(
            user=self.user,
            enterprise=enterprise,
            tranches=[(i, str(a)) for i, a in s["tranches"]],
            term_months=s["term"],
            documents=False,
        )
        tranches = list(request.tranches.order_by("position"))
        for tranche_index, product_index, status in s["history"]:
            if tranche_index < len(tranches) and product_index < len(products):
                product = products[product_index]
                Referral.objects.get_or_create(
                    tranche=tranches[tranche_index],
                    institution=product.institution,
                    defaults={"request": request, "product": product, "status": status},
                )
        catalogue = list(
            Product.objects.select_related("institution").prefetch_related(
                "regions", "fields", "institution__regions"
            )
        )
        request.refresh_from_db()

        # Nothing proposed is ineligible; at most one product per institution, within the kind's limit.
        for tranche, candidates in propose(request).items():
            for candidate in candidates:
                assert ineligibility_reasons(candidate.product, tranche, request, today=today) == []
            institutions_seen = [c.product.institution_id for c in candidates]
            assert len(institutions_seen) == len(set(institutions_seen))
            assert len(candidates) <= route_limit(kind_of(tranche.instrument))

        # The SQL filter and the Python check agree exactly.
        for proposal in proposal_for_coordinator(request).tranches:
            in_sql = {c.product.pk for c in proposal.candidates}
            in_python = {
                p.pk
                for p in catalogue
                if not ineligibility_reasons(p, proposal.tranche, request, today=today)
            }
            assert in_sql == in_python
