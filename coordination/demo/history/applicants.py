"""The applicants' side of the history: filing (with the documents screening asks for, or without one),
confirming a major task's package as its lead enterprise, answering questions, withdrawing, and accepting
the best offer on each tranche."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal
from functools import cache, partial
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from coordination.choices import DocumentKind, OfferStatus, ReferralStatus, RequestStatus
from coordination.models import FinancingRequest, Offer, Referral
from coordination.services import filing, referrals
from coordination.services import financing_requests as requests
from coordination.services import packages as package_services
from lenders.choices import Instrument
from lenders.models import Product
from projects.models import Enterprise, MajorTask

from ..seed.blocks import link_pairs
from .plans import Plan
from .world import Open, World

REQUIRED = (DocumentKind.BUSINESS_PLAN, DocumentKind.FINANCIAL_STATEMENTS)
ANSWERS = ("已按要求补充材料。", "补充材料已上传，请查收。", "已补充说明，详见附件。")
WITHDRAWALS = ("已通过其他渠道获得融资。", "项目计划调整，暂不融资。", "报价不符合预期，撤回申请。")


@cache
def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _documents(kinds) -> list[filing.DocumentInput]:
    return [
        filing.DocumentInput(field=kind, kind=kind, upload=SimpleUploadedFile(f"{kind}.pdf", _blank_pdf()))
        for kind in kinds
    ]


def file_arrivals(world: World, pending: list[Plan], enterprise_ids: dict[str, int]) -> None:
    """Every planned request whose time has come is filed, and submitted unless it stays a draft."""
    task_ids: dict[str, int] = {}
    while pending and pending[0].arrives <= world.clock.now:
        plan = pending.pop(0)
        enterprise_id = enterprise_ids[plan.enterprise.credit_code]
        task_id = None
        if plan.major_task_code:
            if plan.major_task_code not in task_ids:
                task_ids[plan.major_task_code] = MajorTask.objects.get(code=plan.major_task_code).pk
            task_id = task_ids[plan.major_task_code]
        if plan.package:
            request = _file_package(world, plan, enterprise_id, task_id)
        else:
            request = world.act(
                "file",
                partial(
                    filing.file_request,
                    user=world.cast.applicant(enterprise_id),
                    enterprise_id=enterprise_id,
                    purpose=plan.purpose,
                    amount=plan.amount,
                    term_months=plan.term_months,
                    tranches=[
                        requests.TrancheInput(instrument, amount) for instrument, amount in plan.tranches
                    ],
                    documents=_documents(REQUIRED if plan.complete else REQUIRED[:1]),
                    major_task_id=task_id,
                    submit=plan.submits,
                ),
            )
        if request is not None:
            world.filed(request.pk, plan)


def _file_package(
    world: World, plan: Plan, enterprise_id: int, task_id: int | None
) -> FinancingRequest | None:
    """A national coordinator drafts and proposes a package for the task, inviting the banks whose credit
    loans span its amount; the lead enterprise's applicant (one of its managers) confirms it with the
    documents screening asks for, which files and submits it as the enterprise's request (DESIGN §14)."""
    assert task_id is not None, "a package is for a major task"
    coordinator = world.cast.coordinators["national"]
    applicant = world.cast.applicant(enterprise_id)
    link_pairs(Enterprise, "managers", [(enterprise_id, applicant.pk)])
    ((instrument, amount),) = plan.tranches
    banks = sorted(
        set(
            Product.objects.filter(
                instrument=instrument, is_active=True, min_amount__lte=amount, max_amount__gte=amount
            ).values_list("institution_id", flat=True)
        )
    )
    draft = world.act(
        "package",
        partial(
            package_services.create_package,
            user=coordinator,
            major_task_id=task_id,
            purpose=plan.purpose,
            tranches=[package_services.PackageTrancheInput(instrument, amount, plan.term_months, banks)],
        ),
    )
    if draft is None:
        return None
    world.act(
        "propose package", partial(package_services.propose_package, user=coordinator, package_id=draft.pk)
    )
    confirmed = world.act(
        "confirm package",
        partial(
            package_services.confirm_package,
            user=applicant,
            package_id=draft.pk,
            documents=_documents(REQUIRED),
        ),
    )
    return confirmed.request if confirmed is not None else None


def work(world: World) -> None:
    """One round at the applicants: questions answered, requests withdrawn, offers accepted."""
    requests_now = world.open_requests()
    answer(world, requests_now.get(RequestStatus.INFO_REQUESTED, []))
    leaving = requests_now.get(RequestStatus.TRIAGE, []) + requests_now.get(RequestStatus.ROUTED, [])
    withdraw(world, [r for r in leaving if world.plans[r.pk].withdraws_from == r.status])
    routed = [request.pk for request in requests_now.get(RequestStatus.ROUTED, [])]
    if routed:
        provide_info(world, routed)
        accept_offers(world, routed)


def answer(world: World, asked: list[Open]) -> None:
    """The coordinator's (or screening's) questions: a note and the documents found missing."""
    for pk, _, version, _, _, _, _, enterprise_id in asked:
        plan = world.plans[pk]
        if (
            not plan.answers
            or "answer" in plan.holds
            or not world.due(("answer", pk, version), plan.answer_days)
        ):
            continue
        screening = FinancingRequest.objects.values_list("screening", flat=True).get(pk=pk)
        missing = screening.get("missing_documents", []) if isinstance(screening, dict) else []
        note = world.rng("answer", plan.key, version).choice(ANSWERS)
        world.act(
            "answer",
            partial(
                filing.answer_with_documents,
                request_id=pk,
                user=world.cast.applicant(enterprise_id),
                note=note,
                documents=_documents(missing),
            ),
        )


def provide_info(world: World, routed: list[int]) -> None:
    """The institutions' questions on a referral."""
    questions = Referral.objects.filter(request_id__in=routed, status=ReferralStatus.INFO_REQUESTED)
    rows = questions.values_list(
        "pk", "version", "request_id", "request__enterprise_id", "tranche__position", "institution_id"
    )
    for pk, version, request_id, enterprise_id, position, institution_id in world.rows(
        "referral questions", rows
    ):
        plan = world.plans[request_id]
        if not plan.answers or not world.due(("provide", pk, version), plan.answer_days * plan.pace):
            continue
        note = world.rng("provide", plan.key, position, institution_id, version).choice(ANSWERS)
        world.act(
            "provide_info",
            partial(
                referrals.provide_referral_info,
                referral_id=pk,
                user=world.cast.applicant(enterprise_id),
                note=note,
            ),
        )


def withdraw(world: World, leaving: list[Open]) -> None:
    for pk, _, version, _, _, _, _, enterprise_id in leaving:
        plan = world.plans[pk]
        if not world.due(("withdraw", pk, version), plan.withdraw_days):
            continue
        reason = world.rng("withdraw", plan.key).choice(WITHDRAWALS)
        world.act(
            "withdraw",
            partial(
                requests.withdraw_request,
                request_id=pk,
                user=world.cast.applicant(enterprise_id),
                reason=reason,
            ),
        )


def _best(offers: list[dict[str, Any]]) -> dict[str, Any]:
    """The cheapest offer (for equity, whose price is a stake: the largest), then the largest."""

    def key(offer: dict[str, Any]) -> tuple:
        rate = offer["annual_rate"] if offer["annual_rate"] is not None else Decimal(0)
        price = -offer["amount"] if offer["tranche__instrument"] == Instrument.EQUITY else rate
        return (price, -offer["amount"], offer["created_at"], offer["pk"])

    return min(offers, key=key)


def accept_offers(world: World, routed: list[int]) -> None:
    rows = Offer.objects.filter(request_id__in=routed, status=OfferStatus.OPEN).values(
        "pk",
        "tranche_id",
        "request_id",
        "request__enterprise_id",
        "amount",
        "annual_rate",
        "created_at",
        "tranche__instrument",
    )
    by_tranche: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for offer in world.rows("open offers", rows):
        by_tranche[offer["tranche_id"]].append(dict(offer))
    for tranche_id, offers in sorted(by_tranche.items()):
        plan = world.plans[offers[0]["request_id"]]
        if (
            not plan.accepts
            or "accept" in plan.holds
            or not world.due(("accept", tranche_id), plan.accept_days)
        ):
            continue
        best = _best(offers)
        world.act(
            "accept",
            partial(
                referrals.accept_offer,
                offer_id=best["pk"],
                user=world.cast.applicant(best["request__enterprise_id"]),
            ),
        )
