"""Recommendation lists (issue 18, DESIGN §14): built from criteria over consenting firms only, published
to chosen institutions, opened (disclosed and logged) and followed up; a financing counts in the bank's
re-lending ledger; a withdrawn consent takes the firm off every open list, audited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coordination import selectors
from coordination.deadline_sweep import sweep
from coordination.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coordination.evaluation.outreach import list_outcomes
from coordination.models import Disclosure, OutboxMessage, RecommendationConsent, RecommendationEntry
from coordination.selectors import outreach as reads
from coordination.services.outreach import consent, follow_ups, lists

CRITERIA = {"min_credit": "70", "credit_version": "2.0", "tech_sme": True, "fields": ["ic-test"]}


def national_list(w, **criteria):
    return lists.build_list(
        user=w.national,
        code="ic-top",
        title="IC top credit",
        national=True,
        criteria={**CRITERIA, **criteria},
    )


@pytest.mark.django_db
def test_criteria_draw_consenting_firms_only_best_credit_first(outreach):
    """Given four IC firms, one without consent, when a national coordinator builds a list of credit ≥ 70
    on 2.0, then it holds A (85) then C (72): not D (no consent), not B (60); reasons and criteria stored."""
    w = outreach
    made = national_list(w)
    entries = list(made.entries.order_by("position"))
    assert [e.enterprise for e in entries] == [w.enterprise_a, w.enterprise_c]
    assert made.criteria["credit_version"] == "2.0" and made.version == 1
    assert {r["code"] for r in entries[0].reasons} == {"credit", "tech_sme", "fields"}
    assert national_list(w).version == 2


@pytest.mark.django_db
def test_percentile_region_stage_and_major_task_criteria(outreach):
    w = outreach
    assert [e.enterprise for e in national_list(w, min_percentile="90").entries.all()] == [w.enterprise_a]
    beijing = lists.build_list(
        user=w.national, code="bj", title="BJ", national=True, criteria={"regions": ["110000"]}
    )
    assert [e.enterprise for e in beijing.entries.all()] == [w.enterprise_b]
    task = lists.build_list(
        user=w.national, code="task", title="T", national=True, criteria={"major_task": w.major_task.code}
    )
    assert [(e.enterprise, e.major_task) for e in task.entries.all()] == [(w.enterprise_a, w.major_task)]


@pytest.mark.django_db
def test_bad_criteria_name_the_field(outreach):
    w = outreach
    with pytest.raises(ValidationFailed) as caught:
        national_list(w, min_credit="abc", stages=["teen"], limit=0, colour="red")
    assert set(caught.value.fields) >= {
        "criteria.min_credit",
        "criteria.stages",
        "criteria.limit",
        "criteria.colour",
    }
    with pytest.raises(ValidationFailed) as caught:
        lists.build_list(user=w.national, code="x", title="x", national=True, criteria={"min_credit": 50})
    assert "criteria.credit_version" in caught.value.fields


@pytest.mark.django_db
def test_regional_coordinator_builds_within_its_regions_only(outreach):
    w = outreach
    with pytest.raises(ValidationFailed) as caught:
        lists.build_list(user=w.coordinator, code="x", title="x", national=True, criteria={})
    assert "national" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        lists.build_list(user=w.coordinator, code="x", title="x", region_codes=["110000"], criteria={})
    assert "regions" in caught.value.fields
    made = lists.build_list(user=w.coordinator, code="sh", title="SH", region_codes=["310000"], criteria={})
    # Beijing's B consents but lies outside the coordinator's regions.
    assert {e.enterprise for e in made.entries.all()} == {w.enterprise_a, w.enterprise_c}
    assert made in reads.lists_coordinated_by(w.coordinator)
    national = national_list(w)
    assert national not in reads.lists_coordinated_by(w.coordinator)
    with pytest.raises(NotFound):
        lists.publish_list(list_id=national.pk, user=w.coordinator, institution_ids=[w.bank_x.pk])
    with pytest.raises(NotFound):
        lists.build_list(user=w.bank_x_user, code="x", title="x", national=True, criteria={})


@pytest.mark.django_db
def test_hand_picked_needs_consent(outreach):
    w = outreach
    with pytest.raises(ValidationFailed) as caught:
        lists.build_list(
            user=w.national, code="h", title="h", national=True, enterprise_ids=[w.enterprise_d.pk]
        )
    assert "enterprises" in caught.value.fields
    made = lists.build_list(
        user=w.national,
        code="h",
        title="h",
        national=True,
        enterprise_ids=[w.enterprise_c.pk],
        major_task_codes=[w.major_task.code],
    )
    assert [(e.enterprise, e.major_task) for e in made.entries.all()] == [
        (w.enterprise_c, None),
        (w.enterprise_a, w.major_task),
    ]


@pytest.mark.django_db
def test_acceptance_two_banks_one_financing_in_ledger_and_evaluation(outreach):
    """Given a list of the top-credit IC tech SMEs published by a national coordinator to banks X and Y,
    when X opens A's entry and records a 3 000 000-yuan credit loan, then the loan is in X's re-lending
    ledger (60% of principal), the evaluation counts it for X, and Y never sees X's follow-up."""
    w = outreach
    made = national_list(w)
    lists.publish_list(list_id=made.pk, user=w.national, institution_ids=[w.bank_x.pk, w.bank_y.pk])
    assert OutboxMessage.objects.filter(topic="recommendation.published").count() == 1
    entry = made.entries.get(enterprise=w.enterprise_a)
    # Before opening: the teaser rule.
    assert reads.sees_entry_teaser_only(selectors.Viewer.of(w.bank_x_user), entry, None)
    follow_up = follow_ups.open_entry(entry_id=entry.pk, user=w.bank_x_user)
    disclosure = Disclosure.objects.get(recommendation_entry=entry)
    assert (disclosure.institution, disclosure.enterprise) == (w.bank_x, w.enterprise_a)
    assert disclosure in selectors.disclosures_visible_to(w.applicant_a)
    follow_ups.record_follow_up(entry_id=entry.pk, user=w.bank_x_user, status="contacted")
    today = timezone.localdate()
    follow_ups.record_follow_up(
        entry_id=entry.pk,
        user=w.bank_x_user,
        status="financed",
        instrument="credit_loan",
        amount="3000000",
        annual_rate="0.0345",
        term_months=24,
        financed_on=today,
    )
    ledger = list(selectors.relending_ledger_of(w.bank_x.pk))
    assert [(e.follow_up_id, e.movement, e.amount) for e in ledger] == [
        (follow_up.pk, "commit", Decimal("1800000.00"))
    ]
    assert not selectors.relending_ledger_of(w.bank_y.pk).exists()
    # Y never sees X's follow-up.
    assert follow_up not in reads.follow_ups_visible_to(w.bank_y_user)
    assert follow_up in reads.follow_ups_visible_to(w.bank_x_user)
    rows = {(r.list_id, r.institution): r for r in list_outcomes(reads.lists_coordinated_by(w.national))}
    x = rows[(made.pk, w.bank_x.name)]
    assert (x.entries, x.opened, x.financed, x.financed_amount) == (2, 1, 1, Decimal("3000000.00"))
    y = rows[(made.pk, w.bank_y.name)]
    assert (y.opened, y.financed) == (0, 0)
    # Financed is final.
    with pytest.raises(Conflict):
        follow_ups.record_follow_up(
            entry_id=entry.pk, user=w.bank_x_user, status="declined", decline_reason="other"
        )


@pytest.mark.django_db
def test_follow_up_rules(outreach):
    w = outreach
    made = national_list(w)
    lists.publish_list(list_id=made.pk, user=w.national, institution_ids=[w.bank_y.pk])
    entry = made.entries.get(enterprise=w.enterprise_c)
    with pytest.raises(NotFound):  # not published to bank X
        follow_ups.open_entry(entry_id=entry.pk, user=w.bank_x_user)
    with pytest.raises(Conflict):  # not opened yet
        follow_ups.record_follow_up(entry_id=entry.pk, user=w.bank_y_user, status="contacted")
    follow_ups.open_entry(entry_id=entry.pk, user=w.bank_y_user)
    with pytest.raises(ValidationFailed) as caught:
        follow_ups.record_follow_up(
            entry_id=entry.pk,
            user=w.bank_y_user,
            status="financed",
            instrument="equity",
            amount="-1",
            annual_rate="2",
            financed_on=timezone.localdate() + timedelta(days=3),
        )
    assert set(caught.value.fields) == {"instrument", "amount", "annual_rate", "financed_on"}
    with pytest.raises(ValidationFailed) as caught:
        follow_ups.record_follow_up(
            entry_id=entry.pk, user=w.bank_y_user, status="declined", decline_reason="bored"
        )
    assert "decline_reason" in caught.value.fields
    follow_ups.record_follow_up(
        entry_id=entry.pk, user=w.bank_y_user, status="declined", decline_reason="no_capacity"
    )
    # Bank Y is not re-lending eligible: nothing in any ledger; the evaluation counts the decline reason.
    row = next(r for r in list_outcomes(reads.lists_coordinated_by(w.national)) if r.institution == "Bank Y")
    assert row.declined == {"no_capacity": 1}


@pytest.mark.django_db
def test_withdrawn_consent_leaves_every_open_list_audited(outreach):
    """Given A on a published list and a draft, when its manager withdraws consent, then A's entries leave
    both (institutions and A no longer see them), and the consent's history records who withdrew it."""
    w = outreach
    published = national_list(w)
    lists.publish_list(list_id=published.pk, user=w.national, institution_ids=[w.bank_x.pk])
    draft = national_list(w)
    with pytest.raises(PermissionDenied):  # a member who is not a manager
        consent.set_recommendation_consent(enterprise_id=w.enterprise_a.pk, user=w.applicant_a, given=False)
    with pytest.raises(NotFound):
        consent.set_recommendation_consent(enterprise_id=w.enterprise_a.pk, user=w.bank_x_user, given=False)
    consent.set_recommendation_consent(enterprise_id=w.enterprise_a.pk, user=w.manager_a, given=False)
    assert not RecommendationEntry.objects.filter(
        enterprise=w.enterprise_a, withdrawn_at__isnull=True
    ).exists()
    assert w.enterprise_a not in {e.enterprise for e in reads.entries_visible_to(w.bank_x_user, published)}
    assert published not in reads.lists_visible_to(w.applicant_a)
    assert draft.entries.filter(enterprise=w.enterprise_a).get().withdrawn_at is not None
    history = RecommendationConsent.objects.get(enterprise=w.enterprise_a).history.first()
    assert (history.given, history.history_user) == (False, w.manager_a)
    entry = published.entries.get(enterprise=w.enterprise_a)
    with pytest.raises(NotFound):
        follow_ups.open_entry(entry_id=entry.pk, user=w.bank_x_user)
    assert w.enterprise_a not in {e.enterprise for e in national_list(w).entries.all()}


@pytest.mark.django_db
def test_visibility_by_role(outreach):
    w = outreach
    made = national_list(w)
    assert made not in reads.lists_visible_to(w.bank_x_user)  # a draft
    lists.publish_list(list_id=made.pk, user=w.national, institution_ids=[w.bank_x.pk])
    assert made in reads.lists_visible_to(w.bank_x_user)
    assert made not in reads.lists_visible_to(w.bank_y_user)
    assert made in reads.lists_visible_to(w.applicant_a)
    assert made not in reads.lists_visible_to(w.applicant_b)
    assert made not in reads.lists_visible_to(w.coordinator)
    # A firm reads its own entry only.
    assert [e.enterprise for e in reads.entries_visible_to(w.applicant_a, made)] == [w.enterprise_a]


@pytest.mark.django_db
def test_sweep_reminds_then_escalates_once(outreach):
    w = outreach
    made = national_list(w)
    lists.publish_list(list_id=made.pk, user=w.national, institution_ids=[w.bank_x.pk])
    recipient = made.recipients.get()
    assert sweep(now=recipient.remind_at + timedelta(minutes=1)).get("list_remind") == 1
    assert "list_remind" not in sweep(now=recipient.remind_at + timedelta(minutes=2))
    assert sweep(now=recipient.respond_by + timedelta(minutes=1)).get("list_escalate") == 1
    assert "list_escalate" not in sweep(now=recipient.respond_by + timedelta(minutes=2))
    topics = list(
        OutboxMessage.objects.filter(topic__startswith="recommendation.").values_list("topic", flat=True)
    )
    assert sorted(topics) == ["recommendation.overdue", "recommendation.published", "recommendation.remind"]


@pytest.mark.django_db
def test_publication_reaches_the_banks_inboxes_only(outreach):
    """Given a list published to bank X, when the relay delivers the outbox, then bank X's people find it in
    their inbox, named by the list's title; bank Y's and the firm's do not."""
    from coordination.models import Notification
    from coordination.notifications.relay import attempt, fan_out

    w = outreach
    made = national_list(w)
    lists.publish_list(list_id=made.pk, user=w.national, institution_ids=[w.bank_x.pk])
    message = OutboxMessage.objects.get(topic="recommendation.published")
    for delivery_id in fan_out(message.pk):
        attempt(delivery_id)
    readers = set(
        Notification.objects.filter(topic="recommendation.published").values_list("user", flat=True)
    )
    assert readers == {w.bank_x_user.pk}
    assert "IC top credit" in Notification.objects.get(user=w.bank_x_user).title
