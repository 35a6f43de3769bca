"""The demo's recommendation list (DESIGN §8, §14): the registered tech SMEs of the demo consent to be
recommended; demo-national builds a list of the ten best-scored of them in the hard-tech field most of
them work in, and publishes it to demo-bank's institution (and not to demo-bank-2's).

Built and published through the outreach service, as a coordinator would; idempotent: with the list's
code already there nothing is done.
"""

from __future__ import annotations

from collections import Counter

from django.contrib.auth import get_user_model
from django.db.models import Max

from projects.credits import services as credits
from projects.models import CreditModel, Enterprise, InnovationCreditScore, TechField

from ...models import OutboxMessage, RecommendationConsent, RecommendationList
from ...services.outreach import lists as list_services

LIST_CODE = "demo-innovation-credit-top"
LIST_SIZE = 10


def _score(enterprise_ids: list[int], model: CreditModel) -> None:
    """Credits of the consenting firms, scored now if nobody has yet (the history scores the same way)."""
    year = credits.latest_year()
    if year is None:
        return
    scored = InnovationCreditScore.objects.filter(model=model, year=year, enterprise_id__in=enterprise_ids)
    missing = sorted(set(enterprise_ids) - set(scored.values_list("enterprise_id", flat=True)))
    if missing:
        credits.compute_scores(model_id=model.pk, year=year, enterprise_ids=missing)


def seed_recommendation_list() -> RecommendationList | None:
    if RecommendationList.objects.filter(code=LIST_CODE).exists():
        return None
    users = get_user_model().objects
    national, bank = users.get(username="demo-national"), users.get(username="demo-bank")
    model = CreditModel.objects.current()
    if model is None:
        return None
    consenting = list(
        Enterprise.objects.exclude(tech_sme_registration_no="").order_by("pk").values_list("pk", flat=True)
    )
    have = set(RecommendationConsent.objects.values_list("enterprise_id", flat=True))
    RecommendationConsent.objects.bulk_create(
        RecommendationConsent(enterprise_id=pk, given=True) for pk in consenting if pk not in have
    )
    _score(consenting, model)
    roots: Counter[str] = Counter()
    for techfield in TechField.objects.filter(enterprises__in=consenting).select_related("parent"):
        root = techfield.parent or techfield
        if root.hard_tech:
            roots[root.code] += 1
    field = min(roots, key=lambda code: (-roots[code], code), default=None)
    made = list_services.build_list(
        user=national,
        code=LIST_CODE,
        title="创新积分领先的科技型中小企业推荐清单",
        national=True,
        criteria={
            "credit_version": model.version,
            "tech_sme": True,
            "fields": [field] if field else [],
            "limit": LIST_SIZE,
        },
    )
    # Imported here: the history builds on the seed's modules, not the other way round.
    from ..history.run import settle_outbox

    outbox_before = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    published = list_services.publish_list(
        list_id=made.pk, user=national, institution_ids=list(bank.institutions.values_list("pk", flat=True))
    )
    # The list is part of the demo's starting state, as the history's notices are: nothing left to send.
    settle_outbox(outbox_before)
    return published
