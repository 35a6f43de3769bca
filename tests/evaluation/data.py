"""A small fixed history, written row by row, whose indicators the tests compute by hand.

Period: the first quarter of 2026; the previous period is the fourth quarter of 2025.

| request | enterprise (region) | submitted | tranche | funded | offer made |
|---|---|---|---|---|---|
| R0 | E1 (Pudong) | 2025-05-06 | credit loan 1 000 000 | 2025-06-02 | 2025-05-20 |
| R1 | E1 (Pudong) | 2026-01-05 | credit loan 3 000 000, 36 m | 2026-02-10 | 2026-01-20 |
| R2 | E3 (Haidian) | 2025-12-29 | equity 5 000 000 | 2026-03-02 | 2026-01-09 |
| R3 | E4 (Pudong) | 2026-01-06 | IP pledge loan 2 000 000, 24 m | 2026-01-20 | 2026-01-12 |
| R4 | E3 (Haidian) | 2025-10-09 | credit loan 500 000, 12 m | 2025-11-14 | 2025-10-20 |
| RW | E4 (Pudong), withdrawn | 2025-12-01 | credit loan | — | — |
| R5 | E5 (Haidian) | 2026-03-31 23:30 Shanghai | credit loan | — | — |
| R6 | E5 (Haidian) | 2026-04-01 00:30 Shanghai | credit loan | — | — |

E1 was founded exactly 5 years before R1's funding (growth stage: not early), is small, hard-tech and a
registered tech SME. E3 is a start-up (early), medium-sized, not hard-tech, not registered. E4 was founded
in 2023 (early), is micro, hard-tech and registered; R3 is its first loan, after its withdrawn RW. E5 is a
registered tech SME in Beijing without a loan.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from coordination.models import Deadline, FinancingRequest, Offer, Referral, Tranche, TransitionEvent
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=SH).replace(
        hour=hour, minute=minute
    )


@dataclass
class History:
    shanghai: object
    pudong: object
    beijing: object
    haidian: object
    bank_x: object
    bank_y: object
    vc: object
    national: object
    coordinator: object
    hard_field: object
    soft_field: object
    requests: dict


def _event(request, *, object_type, object_id, to_status, when, action="x"):
    TransitionEvent.objects.create(
        request=request,
        object_type=object_type,
        object_id=object_id,
        action=action,
        from_status="",
        to_status=to_status,
        actor_role="system",
        created_at=when,
    )


def _request(
    user,
    enterprise,
    reference,
    *,
    submitted,
    instrument="credit_loan",
    amount="1000000",
    term=24,
    status="routed",
):
    request = FinancingRequest.objects.create(
        enterprise=enterprise,
        reference=reference,
        purpose="p",
        amount=Decimal(amount),
        term_months=term,
        status=status,
        created_by=user,
        submitted_at=submitted,
    )
    tranche = Tranche.objects.create(
        request=request, position=1, instrument=instrument, amount=Decimal(amount)
    )
    _event(
        request, object_type="financing_request", object_id=request.pk, to_status="screening", when=submitted
    )
    return request, tranche


def _referral(request, tranche, product, *, answered=None, answer="offered", due=None, reason=""):
    referral = Referral.objects.create(
        tranche=tranche,
        request=request,
        product=product,
        institution=product.institution,
        decline_reason=reason,
    )
    if due is not None:
        Deadline.objects.create(
            request=request,
            object_type="referral",
            object_id=referral.pk,
            stage="institution_review",
            kind="expire",
            due_at=due,
            created_at=request.submitted_at,
        )
    if answered is not None:
        _event(request, object_type="referral", object_id=referral.pk, to_status=answer, when=answered)
    return referral


def _fund(request, tranche, referral, user, *, offered_at, funded_on, rate=None, term=None, amount=None):
    offer = Offer.objects.create(
        referral=referral,
        tranche=tranche,
        request=request,
        amount=amount or tranche.amount,
        annual_rate=rate,
        term_months=term,
        valid_until=date(2027, 1, 1),
        created_by=user,
        status="accepted",
    )
    Offer.objects.filter(pk=offer.pk).update(created_at=offered_at)
    _event(
        request,
        object_type="financing_request",
        object_id=request.pk,
        to_status="triage",
        when=request.submitted_at,
    )
    Tranche.objects.filter(pk=tranche.pk).update(
        accepted_offer=offer, funded_amount=amount or tranche.amount, funded_on=date.fromisoformat(funded_on)
    )


def build_history() -> History:
    shanghai = f.RegionFactory(code="310000", name="上海市", pilot_zone=True, innovation_center="shanghai")
    pudong = f.RegionFactory(
        code="310115", name="浦东新区", parent=shanghai, pilot_zone=False, innovation_center=""
    )
    beijing = f.RegionFactory(code="110000", name="北京市", pilot_zone=False, innovation_center="beijing")
    haidian = f.RegionFactory(
        code="110108", name="海淀区", parent=beijing, pilot_zone=False, innovation_center=""
    )
    hard = f.TechFieldFactory(code="eval-chips", hard_tech=True)
    soft = f.TechFieldFactory(code="eval-retail", hard_tech=False)
    user = f.UserFactory(username="eval-applicant")
    e1 = f.EnterpriseFactory(region=pudong, founded_on=date(2021, 2, 10), stage="growth", financials=False)
    f.FinancialsFactory(enterprise=e1, year=2025, staff=80, revenue=Decimal("30000000"))  # software: small
    e1.fields.add(hard)
    e3 = f.EnterpriseFactory(
        region=haidian,
        founded_on=date(2015, 1, 1),
        stage="startup",
        tech_sme_registration_no="",
        financials=False,
    )
    f.FinancialsFactory(
        enterprise=e3, year=2025, staff=200, st_staff=60, revenue=Decimal("50000000")
    )  # medium
    e3.fields.add(soft)
    e4 = f.EnterpriseFactory(region=pudong, founded_on=date(2023, 1, 1), stage="growth", financials=False)
    f.FinancialsFactory(enterprise=e4, year=2025, staff=5, st_staff=2, revenue=Decimal("200000"))  # micro
    e4.fields.add(hard)
    e5 = f.EnterpriseFactory(region=haidian, financials=False)
    bank_x = f.InstitutionFactory(name="Eval Bank X", kind="bank")
    bank_y = f.InstitutionFactory(name="Eval Bank Y", kind="bank")
    vc = f.InstitutionFactory(name="Eval VC", kind="vc")
    loan_x = f.ProductFactory(institution=bank_x)
    loan_y = f.ProductFactory(institution=bank_y)
    pledge_x = f.ProductFactory(institution=bank_x, instrument="ip_pledge_loan")
    equity = f.ProductFactory(institution=vc)

    r0, t0 = _request(user, e1, "FR-2025-000000", submitted=at("2025-05-06"))
    ref0 = _referral(r0, t0, loan_x, answered=at("2025-05-20"))
    _fund(
        r0,
        t0,
        ref0,
        user,
        offered_at=at("2025-05-20"),
        funded_on="2025-06-02",
        rate=Decimal("0.0400"),
        term=24,
    )

    r1, t1 = _request(user, e1, "FR-2026-000001", submitted=at("2026-01-05"), amount="3000000", term=36)
    ref1 = _referral(r1, t1, loan_x, answered=at("2026-01-20"), due=at("2026-01-25", 18))
    _referral(
        r1,
        t1,
        loan_y,
        answered=at("2026-01-22"),
        answer="declined",
        due=at("2026-01-21", 18),
        reason="insufficient_credit",
    )
    _fund(
        r1,
        t1,
        ref1,
        user,
        offered_at=at("2026-01-20"),
        funded_on="2026-02-10",
        rate=Decimal("0.0350"),
        term=36,
    )

    r2, t2 = _request(
        user, e3, "FR-2025-000002", submitted=at("2025-12-29"), instrument="equity", amount="5000000"
    )
    ref2 = _referral(r2, t2, equity, answered=at("2026-01-09"), due=at("2026-01-08", 18))
    _fund(r2, t2, ref2, user, offered_at=at("2026-01-09"), funded_on="2026-03-02")

    rw, _tw = _request(user, e4, "FR-2025-000009", submitted=at("2025-12-01"), status="withdrawn")
    r3, t3 = _request(
        user, e4, "FR-2026-000003", submitted=at("2026-01-06"), instrument="ip_pledge_loan", amount="2000000"
    )
    ref3 = _referral(r3, t3, pledge_x, answered=at("2026-01-12"), due=at("2026-01-15", 18))
    _fund(
        r3,
        t3,
        ref3,
        user,
        offered_at=at("2026-01-12"),
        funded_on="2026-01-20",
        rate=Decimal("0.0400"),
        term=24,
    )

    r4, t4 = _request(user, e3, "FR-2025-000004", submitted=at("2025-10-09"), amount="500000", term=12)
    ref4 = _referral(r4, t4, loan_x, answered=at("2025-10-20"), due=at("2025-10-23", 18))
    _fund(
        r4,
        t4,
        ref4,
        user,
        offered_at=at("2025-10-20"),
        funded_on="2025-11-14",
        rate=Decimal("0.0500"),
        term=12,
    )

    r5, _t5 = _request(user, e5, "FR-2026-000005", submitted=at("2026-03-31", 23, 30))
    r6, _t6 = _request(user, e5, "FR-2026-000006", submitted=at("2026-04-01", 0, 30))
    return History(
        shanghai=shanghai,
        pudong=pudong,
        beijing=beijing,
        haidian=haidian,
        bank_x=bank_x,
        bank_y=bank_y,
        vc=vc,
        national=f.coordinator("eval-national", national=True),
        coordinator=f.coordinator("eval-shanghai", regions=[shanghai]),
        hard_field=hard,
        soft_field=soft,
        requests={"R0": r0, "R1": r1, "R2": r2, "R3": r3, "R4": r4, "RW": rw, "R5": r5, "R6": r6},
    )
