"""Over random catalogues, requests and histories: nothing is ever proposed that the Python check
rejects, the SQL filter finds exactly the products the Python check accepts, and the Python check in
bulk gives each product the reasons it gives one product.

Products are drawn relative to one of the request's tranches (covering its amount, on an edge, a cent
outside…), mostly fitting, so that most examples have eligible and ineligible products side by side
and every boundary is tried.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from coordination.matching.context import build_context
from coordination.matching.eligibility import ineligibility_reasons, ineligibility_reasons_in_bulk
from coordination.matching.policy import kind_of, route_limit
from coordination.matching.proposal import proposal_for_coordinator, propose
from coordination.models import Referral
from lenders.choices import INSTRUMENTS_BY_KIND
from lenders.models import Product
from projects.credits.choices import TRIAL_2024
from projects.models import CreditModel, InnovationCreditScore
from tests import factories as f

M = 1_000_000
CENT = Decimal("0.01")
KINDS = ["bank", "bank", "bank", "bank", "vc", "guarantor", "insurer"]
INSTRUMENTS = ["credit_loan", "ip_pledge_loan", "equity", "rd_insurance", "guarantee"]
AMOUNTS = [Decimal(1 * M), Decimal(3 * M), Decimal("3000000.01"), Decimal(20 * M)]
TERMS = [6, 12, 24, 36, 60]
SCORES = [None, Decimal("0"), Decimal("30"), Decimal("50"), Decimal("50.5"), Decimal("70")]
MINIMUMS = [Decimal("30"), Decimal("50"), Decimal("50.5"), Decimal("70")]
REGIONS = ["310000", "310115", "310104", "110000", "110108"]


def mostly(value, *others):
    """`value` nine times in ten, else one of `others`: a product breaks one filter or two, not all."""
    return st.integers(min_value=0, max_value=9).flatmap(
        lambda roll: st.just(value) if roll < 9 else st.sampled_from(others)
    )


maybe_regions = mostly([], [0], [1], [2], [3], [1, 3], [4])
maybe_fields = mostly([], [0], [1], [2], [0, 2])
product_spec = st.fixed_dictionaries(
    {
        "tranche": st.integers(min_value=0, max_value=2),
        "institution": st.integers(min_value=0, max_value=9),
        "instrument": mostly("same", "other"),
        "amount": mostly("covers", "min_edge", "max_edge", "below", "above"),
        "term": mostly("covers", "min_edge", "max_edge", "below", "above"),
        "capacity": mostly("ample", "exact", "short"),
        "stages": st.tuples(mostly(True, False), mostly(True, False), mostly(True, False)),
        "min_credit_score": mostly(Decimal("0"), *MINIMUMS),
        "min_credit_version": st.sampled_from([TRIAL_2024, "2.0"]),
        "requires_tech_sme": mostly(False, True),
        "regions": maybe_regions,
        "fields": maybe_fields,
        "active": mostly(True, False),
        "window": mostly("open", "starts_today", "ends_today", "not_yet", "ended"),
    }
)
scenario = st.fixed_dictionaries(
    {
        "tranches": st.lists(
            st.tuples(mostly("credit_loan", *INSTRUMENTS[1:]), st.sampled_from(AMOUNTS)),
            min_size=1,
            max_size=3,
        ),
        "products": st.lists(product_spec, min_size=1, max_size=10),
        "institution_regions": st.lists(maybe_regions, min_size=len(KINDS), max_size=len(KINDS)),
        "institution_active": st.lists(mostly(True, False), min_size=len(KINDS), max_size=len(KINDS)),
        "region": st.sampled_from(["310115", "310104", "110108"]),
        "stage": st.sampled_from(["startup", "growth", "stable"]),
        "tech_sme": mostly(True, False),
        "fields": mostly([0], [], [1], [2], [1, 2]),
        "score": mostly(Decimal("50.5"), *SCORES),
        "score_2_0": st.sampled_from(SCORES),
        "term": st.sampled_from(TERMS),
        "history": st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=2),
                st.integers(min_value=0, max_value=9),
                st.sampled_from(["sent", "declined", "expired", "offered"]),
            ),
            max_size=3,
        ),
    }
)


def amount_range(amount: Decimal, relation: str) -> tuple[Decimal, Decimal]:
    return {
        "covers": (amount / 2, amount * 2),
        "min_edge": (amount, amount * 2),
        "max_edge": (amount / 2, amount),
        "below": (amount + CENT, amount * 2),  # the product starts a cent above the tranche
        "above": (amount / 2, amount - CENT),
    }[relation]


def term_range(term: int, relation: str) -> tuple[int, int]:
    low = max(1, term - 6)
    return {
        "covers": (low, term + 12),
        "min_edge": (term, term + 12),
        "max_edge": (low, term),
        "below": (term + 1, term + 12),
        "above": (low, term - 1) if term > 1 else (term + 1, term + 2),
    }[relation]


def capacity(amount: Decimal, relation: str) -> tuple[Decimal, Decimal]:
    return {
        "ample": (amount * 100, Decimal(0)),
        "exact": (amount * 2, amount),
        "short": (amount * 2, amount + CENT),
    }[relation]


def window(today, relation: str):
    day = timedelta(days=1)
    return {
        "open": (today - 10 * day, None),
        "starts_today": (today, today + 30 * day),
        "ends_today": (today - 10 * day, today),
        "not_yet": (today + day, None),
        "ended": (today - 10 * day, today - day),
    }[relation]


class EligibilityProperty(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.regions = {code: f.RegionFactory(code=code, pilot_zone=code == "310000") for code in REGIONS}
        cls.fields = [f.TechFieldFactory(code=f"pf-{i}", hard_tech=i != 2) for i in range(3)]
        cls.user = f.UserFactory(username="property-applicant")
        cls.model = CreditModel.objects.get(version=TRIAL_2024)
        cls.model_2_0 = CreditModel.objects.get(version="2.0")

    def _institution_for(self, institutions, instrument, pick):
        fitting = [i for i in institutions if instrument in INSTRUMENTS_BY_KIND[i.kind]]
        return fitting[pick % len(fitting)]

    @settings(
        max_examples=50,
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
        for model, score in ((self.model, s["score"]), (self.model_2_0, s["score_2_0"])):
            if score is None:
                continue
            InnovationCreditScore.objects.create(
                enterprise=enterprise,
                model=model,
                year=2025,
                stage=enterprise.stage,
                cohort="x",
                total=score,
                tech_innovation=score,
                growth_operations=0,
                auxiliary=0,
                model_fingerprint=model.fingerprint,
                computed_at=timezone.now(),
            )
        institutions = []
        for index, kind in enumerate(KINDS):
            institution = f.InstitutionFactory(kind=kind, is_active=s["institution_active"][index])
            institution.regions.set([self.regions[REGIONS[i]] for i in s["institution_regions"][index]])
            institutions.append(institution)
        products = []
        for spec in s["products"]:
            instrument, amount = s["tranches"][spec["tranche"] % len(s["tranches"])]
            if spec["instrument"] == "other":
                instrument = next(i for i in INSTRUMENTS if i != instrument)
            institution = self._institution_for(institutions, instrument, spec["institution"])
            min_amount, max_amount = amount_range(amount, spec["amount"])
            min_term, max_term = term_range(s["term"], spec["term"])
            yearly, used = capacity(amount, spec["capacity"])
            active_from, active_until = window(today, spec["window"])
            product = Product.objects.create(
                institution=institution,
                name="p",
                instrument=instrument,
                min_amount=min_amount,
                max_amount=max_amount,
                min_term_months=min_term,
                max_term_months=max_term,
                for_startup=spec["stages"][0],
                for_growth=spec["stages"][1],
                for_stable=spec["stages"][2],
                min_credit_score=spec["min_credit_score"],
                min_credit_version=spec["min_credit_version"],
                requires_tech_sme=spec["requires_tech_sme"],
                yearly_capacity=yearly,
                capacity_used=used,
                active_from=active_from,
                active_until=active_until,
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
            for candidate in proposal.candidates:  # the ranking's score is the explained one
                assert sum(Decimal(str(line["points"])) for line in candidate.explanation) == candidate.score
            event(f"eligible on a tranche: {'none' if not in_python else 'some'}")
            event(f"left out on a tranche: {'none' if len(in_python) == len(catalogue) else 'some'}")

        # The bulk check (what routing runs) gives every pair the one-product check's reasons, word for word.
        pairs = [(p, t) for t in tranches for p in catalogue]
        one_by_one = [ineligibility_reasons(p, t, request, today=today) for p, t in pairs]
        assert ineligibility_reasons_in_bulk(build_context(request, today=today), pairs) == one_by_one
