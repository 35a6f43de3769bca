"""No one widens their own power through the admin (issue 9, DESIGN.md §1 "Who grants what").

The Shanghai coordinator of the World fixture tries each escalation the probe found — ticking
"national" on its own scope, joining a Beijing enterprise or another bank, pointing a bank's webhook
elsewhere, revoking another's token — and the maker-checker rule against a self-promoted checker.
Then every registered admin list is walked as that coordinator against rows outside its scope.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination.errors import Conflict, PermissionDenied, ValidationFailed
from coordination.models import (
    ApiToken,
    CoordinatorScope,
    Deadline,
    Delivery,
    Disclosure,
    EnterpriseJoinRequest,
    FinancingRequest,
    Holiday,
    LossClaim,
    NotificationSetting,
    Offer,
    OutboxMessage,
    PolicyProgramme,
    RecommendationFollowUp,
    RecommendationList,
    Referral,
    ServiceLevel,
    TransitionEvent,
    WebhookSubscription,
)
from coordination.notifications.relay import build_deliveries
from coordination.permissions import sync_coordinator_group
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services.financing_requests import TrancheInput
from coordination.services.outreach.follow_ups import open_entry
from coordination.services.outreach.lists import build_list, publish_list
from coordination.services.tokens import issue_token
from lenders.models import Institution, Product, RelendingPolicy
from projects.models import CreditModel, Enterprise, InnovationCreditScore, MajorTask, Region, TechField
from tests import factories as f
from tests.api.helpers import build_state
from tests.factories_policy import ProgrammeFactory

pytestmark = pytest.mark.django_db

SHANGHAI = "31"


@pytest.fixture
def powers(world):
    """The world's coordinators in the coordinators' group, exactly as deployed."""
    group = sync_coordinator_group()
    group.user_set.add(world.coordinator, world.national, world.national_2)
    return world


def browser(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def url(obj_or_model, view: str = "change") -> str:
    opts = obj_or_model._meta
    args = [] if view in ("changelist", "add") else [obj_or_model.pk]
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def file_request(user, enterprise) -> FinancingRequest:
    return rq.create_request(
        user=user,
        enterprise_id=enterprise.pk,
        purpose="Pilot production line",
        amount=Decimal("3000000"),
        term_months=24,
        tranches=[TrancheInput("credit_loan", Decimal("3000000"))],
    )


def accepted_escalated(w) -> FinancingRequest:
    """A 60 M-yuan Shanghai request (escalated: two national coordinators approve), its offer accepted."""
    request = f.draft_request(
        user=w.applicant_a, enterprise=w.enterprise_a, tranches=(("credit_loan", "60000000"),)
    )
    rq.submit_request(request_id=request.pk, user=w.applicant_a)
    routing.route_request(request_id=request.pk, user=w.national, product_ids=[w.loan_x.pk])
    referral = request.referrals.get()
    rs.open_referral(referral_id=referral.pk, user=w.bank_x_user)
    offer = rs.make_offer(
        referral_id=referral.pk,
        user=w.bank_x_user,
        amount=referral.tranche.amount,
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    rs.accept_offer(offer_id=offer.pk, user=w.applicant_a)
    request.refresh_from_db()
    assert request.escalated and request.status == "offer_accepted"
    return request


# --- one test per escalation the probe found ---------------------------------------------------------


def test_a_regional_coordinator_cannot_tick_national_on_its_own_scope(powers):
    """Given the Shanghai coordinator's own scope, when it posts the form with "national" ticked,
    then the admin refuses (403) and the scope is unchanged; it cannot make a scope for anyone either."""
    w = powers
    client = browser(w.coordinator)
    scope = CoordinatorScope.objects.get(user=w.coordinator)
    assert client.get(url(scope)).status_code == 200  # its own scope, read-only
    response = client.post(
        url(scope), {"user": w.coordinator.pk, "national": "on", "regions": [w.shanghai.pk]}
    )
    assert response.status_code == 403
    scope.refresh_from_db()
    assert not scope.national and list(scope.regions.all()) == [w.shanghai]
    response = client.post(url(CoordinatorScope, "add"), {"user": w.bank_x_user.pk, "national": "on"})
    assert response.status_code == 403
    assert not CoordinatorScope.objects.filter(user=w.bank_x_user).exists()
    # Another coordinator's scope does not exist as far as it can tell.
    assert client.get(url(CoordinatorScope.objects.get(user=w.national))).status_code == 404


def test_a_regional_coordinator_cannot_join_a_beijing_enterprise_nor_request_in_its_name(powers):
    """Given a Beijing enterprise, when the Shanghai coordinator adds itself to it through the admin, then
    the page is a 404 and it stays out; a Shanghai enterprise refuses it too (403): coordinators never
    become applicants; and a request in the Beijing enterprise's name is refused by the service."""
    w = powers
    client = browser(w.coordinator)
    members = {"members": [w.applicant_b.pk, w.coordinator.pk], "name": "taken", "region": w.haidian.pk}
    assert client.get(url(w.enterprise_b)).status_code == 404
    assert client.post(url(w.enterprise_b), members).status_code == 404
    assert client.post(url(w.enterprise_a), {**members, "region": w.pudong.pk}).status_code == 403
    assert client.post(url(Enterprise, "add"), {**members, "credit_code": f.credit_code()}).status_code == 403
    assert not Enterprise.objects.filter(members=w.coordinator).exists()
    assert client.post(url(FinancingRequest, "add"), {"enterprise": w.enterprise_b.pk}).status_code == 403
    with pytest.raises(ValidationFailed) as refused:
        file_request(w.coordinator, w.enterprise_b)
    assert "enterprise" in refused.value.fields
    assert not FinancingRequest.objects.filter(enterprise=w.enterprise_b).exists()


def test_a_coordinator_made_a_member_still_never_acts_as_the_applicant(powers):
    """Given the Shanghai coordinator added (by a superuser) to a Shanghai enterprise, when it files or
    withdraws a request of that enterprise, then both are refused: coordinators never act as applicants;
    the enterprise's own applicant still can."""
    w = powers
    w.enterprise_a.members.add(w.coordinator)
    with pytest.raises(ValidationFailed) as refused:
        file_request(w.coordinator, w.enterprise_a)
    assert refused.value.fields == {"enterprise": ["Coordinators do not file financing requests."]}
    request = file_request(w.applicant_a, w.enterprise_a)
    with pytest.raises(PermissionDenied):
        rq.withdraw_request(request_id=request.pk, user=w.coordinator, reason="not mine to withdraw")
    assert FinancingRequest.objects.get(pk=request.pk).status == "draft"
    rq.withdraw_request(request_id=request.pk, user=w.applicant_a, reason="changed plans")
    assert FinancingRequest.objects.get(pk=request.pk).status == "withdrawn"


def test_a_regional_coordinator_cannot_join_another_banks_institution_nor_read_its_referrals(powers):
    """Given bank X with a referral in Beijing, when the coordinator adds itself to bank X's members, then
    the admin refuses (403), bank X's team is unchanged, and the Beijing referral stays a 404."""
    w = powers
    client = browser(w.coordinator)
    request = f.draft_request(user=w.applicant_b, enterprise=w.enterprise_b)
    rq.submit_request(request_id=request.pk, user=w.applicant_b)
    routing.route_request(request_id=request.pk, user=w.national, product_ids=[w.loan_x.pk])
    referral = request.referrals.get()
    assert client.get(url(w.bank_x)).status_code == 200  # institutions are reference data, read-only
    response = client.post(
        url(w.bank_x), {"name": w.bank_x.name, "members": [w.bank_x_user.pk, w.coordinator.pk]}
    )
    assert response.status_code == 403
    assert list(w.bank_x.members.all()) == [w.bank_x_user]
    assert (
        client.post(url(Institution, "add"), {"name": "Mine", "members": [w.coordinator.pk]}).status_code
        == 403
    )
    assert client.get(url(referral)).status_code == 404
    listed = client.get(url(Referral, "changelist")).context["cl"].queryset
    assert referral not in listed


def test_a_regional_coordinator_cannot_see_or_edit_a_banks_webhook(powers):
    """Given bank X's webhook, when the coordinator opens or posts it with its own URL, then it is a 404
    and the URL is unchanged; it cannot subscribe for bank X either."""
    w = powers
    client = browser(w.coordinator)
    hook = WebhookSubscription.objects.create(
        institution=w.bank_x, url="https://bank-x.example/hooks", secret="s", created_by=w.bank_x_user
    )
    assert hook not in client.get(url(WebhookSubscription, "changelist")).context["cl"].queryset
    assert client.get(url(hook)).status_code == 404
    assert (
        client.post(url(hook), {"institution": w.bank_x.pk, "url": "https://evil.example/"}).status_code
        == 404
    )
    hook.refresh_from_db()
    assert hook.url == "https://bank-x.example/hooks"
    add = client.post(
        url(WebhookSubscription, "add"), {"institution": w.bank_x.pk, "url": "https://evil.example/"}
    )
    assert add.status_code == 403
    assert WebhookSubscription.objects.count() == 1


def test_a_regional_coordinator_neither_sees_nor_revokes_another_users_token_but_revokes_its_own(powers):
    """Given tokens of bank X's user and of the coordinator, when the coordinator lists them and runs
    "revoke" on both, then it sees only its own, bank X's token is untouched (its page a 404), its own
    is revoked; it cannot make a token for anyone."""
    w = powers
    client = browser(w.coordinator)
    theirs, _ = issue_token(user=w.bank_x_user, name="core banking")
    mine, _ = issue_token(user=w.coordinator)
    listed = client.get(url(ApiToken, "changelist")).context["cl"].queryset
    assert list(listed) == [mine]
    assert client.get(url(theirs)).status_code == 404
    client.post(
        url(ApiToken, "changelist"),
        {"action": "revoke_tokens", "_selected_action": [theirs.pk, mine.pk], "index": "0"},
    )
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.revoked_at is None and mine.revoked_at is not None
    assert client.post(url(ApiToken, "add"), {"user": w.bank_x_user.pk, "name": "x"}).status_code == 403


# --- maker-checker against a self-promoted checker ---------------------------------------------------


def test_self_promotion_then_confirming_a_nationals_proposal_is_impossible(powers):
    """Given a national coordinator's proposal to approve 60 M yuan, when the Shanghai coordinator
    ticks "national" on its scope and then confirms the proposal through the admin, then the tick is
    refused, the confirmation is refused, and the request waits for a real second national."""
    w = powers
    request = accepted_escalated(w)
    approvals.approve_request(request_id=request.pk, user=w.national)
    client = browser(w.coordinator)
    scope = CoordinatorScope.objects.get(user=w.coordinator)
    client.post(url(scope), {"user": w.coordinator.pk, "national": "on", "regions": [w.shanghai.pk]})
    action = reverse("admin:coordination_financingrequest_object_action", args=[request.pk, "approve"])
    page = client.get(action)
    assert page.status_code == 200
    form = page.context["shared_form"]
    response = client.post(action, {"ids": page.context["ids"], "next": "", **form.initial})
    assert any("national coordinators" in text for text in texts(response))
    request.refresh_from_db()
    assert request.status == "offer_accepted" and request.approval_proposed_by == w.national
    assert not TransitionEvent.objects.filter(request=request, action="confirm_approval").exists()
    # A real second national confirms.
    approvals.approve_request(request_id=request.pk, user=w.national_2)
    assert FinancingRequest.objects.get(pk=request.pk).status == "approved"


def test_the_checker_is_judged_on_its_scope_now_not_on_a_cached_one(powers):
    """Given a second national coordinator whose scope was read (and cached on its user) as national,
    when a superuser withdraws "national" before it confirms, then the confirmation is refused."""
    w = powers
    request = accepted_escalated(w)
    approvals.approve_request(request_id=request.pk, user=w.national)
    checker = get_user_model().objects.get(pk=w.national_2.pk)
    assert checker.coordinator_scope.national  # read and cached
    CoordinatorScope.objects.filter(user=checker).update(national=False)
    CoordinatorScope.objects.get(user=checker).regions.add(w.shanghai)
    with pytest.raises(PermissionDenied):
        approvals.approve_request(request_id=request.pk, user=checker)
    assert FinancingRequest.objects.get(pk=request.pk).status == "offer_accepted"


def test_a_proposal_whose_maker_lost_national_powers_cannot_be_confirmed(powers):
    """Given a proposal by a national coordinator, when that coordinator's national scope is withdrawn
    before a second national confirms, then the confirmation is refused (409) and the request waits."""
    w = powers
    request = accepted_escalated(w)
    approvals.approve_request(request_id=request.pk, user=w.national)
    CoordinatorScope.objects.filter(user=w.national).update(national=False)
    with pytest.raises(Conflict) as refused:
        approvals.approve_request(request_id=request.pk, user=w.national_2)
    assert refused.value.code == "proposer_lost_powers"
    assert FinancingRequest.objects.get(pk=request.pk).status == "offer_accepted"


def test_the_maker_cannot_be_the_checker(powers):
    w = powers
    request = accepted_escalated(w)
    approvals.approve_request(request_id=request.pk, user=w.national)
    with pytest.raises(PermissionDenied):
        approvals.approve_request(request_id=request.pk, user=w.national)
    assert FinancingRequest.objects.get(pk=request.pk).status == "offer_accepted"


# --- every admin list, walked as the regional coordinator -------------------------------------------


def _outside_shanghai(field: str):
    return lambda queryset, w: queryset.exclude(**{f"{field}__startswith": SHANGHAI})


# Rows the Shanghai coordinator must not see, per model (written from DESIGN.md §1, not from the admin).
OUT_OF_SCOPE = {
    FinancingRequest: _outside_shanghai("enterprise__region__code"),
    Referral: _outside_shanghai("request__enterprise__region__code"),
    Offer: _outside_shanghai("request__enterprise__region__code"),
    TransitionEvent: _outside_shanghai("request__enterprise__region__code"),
    Deadline: _outside_shanghai("request__enterprise__region__code"),
    OutboxMessage: _outside_shanghai("request__enterprise__region__code"),
    Disclosure: _outside_shanghai("request__enterprise__region__code"),
    LossClaim: _outside_shanghai("request__enterprise__region__code"),
    Enterprise: _outside_shanghai("region__code"),
    InnovationCreditScore: _outside_shanghai("enterprise__region__code"),
    MajorTask: _outside_shanghai("lead_enterprise__region__code"),
    CoordinatorScope: lambda queryset, w: queryset.exclude(user=w.coordinator),
    # Another region's programmes (national ones are read by every coordinator).
    PolicyProgramme: lambda queryset, w: queryset.filter(region__isnull=False).exclude(
        region__code__startswith=SHANGHAI
    ),
    ApiToken: lambda queryset, w: queryset.exclude(user=w.coordinator),
    NotificationSetting: lambda queryset, w: queryset.exclude(user=w.coordinator),
    WebhookSubscription: lambda queryset, w: queryset.exclude(coordinator=w.coordinator),
    Delivery: lambda queryset, w: queryset.exclude(user=w.coordinator).exclude(
        subscription__coordinator=w.coordinator
    ),
    # Recommendation lists (issue 18): a regional coordinator reads the lists of its regions only.
    RecommendationList: lambda queryset, w: queryset.exclude(regions__code__startswith=SHANGHAI),
    RecommendationFollowUp: lambda queryset, w: queryset.exclude(
        entry__recommendation_list__regions__code__startswith=SHANGHAI
    ),
}
# Shared reference data and configuration: read by every coordinator, changed by none of them here
# (a service level of its own region excepted; the sample row below is Beijing's).
REFERENCE = {Region, TechField, CreditModel, Institution, Product, RelendingPolicy, ServiceLevel, Holiday}
# Not for coordinators at all (a join request is decided by the enterprise's managers, never a coordinator).
FORBIDDEN = {
    get_user_model(),
    Group,
    AccessAttempt,
    AccessFailureLog,
    AccessLog,
    TOTPDevice,
    EnterpriseJoinRequest,
}


def _out_of_scope_world():
    """The API tests' world (requests, referrals, offers, notifications, webhooks, tokens and scores on
    both sides of the Shanghai/Beijing line) plus deliveries, settings and configuration rows."""
    state = build_state()
    w = state.world
    sync_coordinator_group().user_set.add(w.coordinator)
    f.MajorTaskFactory(lead_enterprise=w.enterprise_b, field=f.TechFieldFactory())
    waiting = Referral.objects.get(request__enterprise=w.enterprise_b, status="sent")
    rs.open_referral(referral_id=waiting.pk, user=w.bank_y_user)
    # A disclosure inside the scope too: bank X opens one of enterprise A's referrals, if one is waiting.
    for own in Referral.objects.filter(request__enterprise=w.enterprise_a, status="sent")[:1]:
        rs.open_referral(referral_id=own.pk, user=w.bank_x_user)
    rs.make_offer(
        referral_id=waiting.pk,
        user=w.bank_y_user,
        amount=waiting.tranche.amount,
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    # A Beijing loss claim beside the API world's Shanghai one (a record, as the workflow would leave it).
    LossClaim.objects.create(
        request=waiting.request,
        tranche=waiting.tranche,
        institution=w.bank_y,
        programme=ProgrammeFactory(kind="risk_compensation"),
        loss=Decimal("1000000"),
        defaulted_on=timezone.localdate(),
        amount=Decimal("600000"),
        reported_by=w.bank_y_user,
    )
    WebhookSubscription.objects.create(
        coordinator=w.coordinator, url="https://coord.example/", secret="s", created_by=w.coordinator
    )
    for user in (w.coordinator, w.applicant_b, w.bank_x_user):
        NotificationSetting.objects.create(user=user)
    Delivery.objects.bulk_create(
        [delivery for message in OutboxMessage.objects.all() for delivery in build_deliveries(message)]
    )
    ServiceLevel.objects.create(stage="triage", region=w.beijing, business_days=2)
    Holiday.objects.create(date=date(2031, 1, 1), name="New Year")
    # Both firms consent already (the API state); a Beijing list opened by bank X lies outside Shanghai.
    for code, region in (("beijing-list", w.beijing),):
        made = build_list(user=w.national, code=code, title=code, region_codes=[region.code], criteria={})
        publish_list(list_id=made.pk, user=w.national, institution_ids=[w.bank_x.pk])
        for entry in made.entries.all():
            open_entry(entry_id=entry.pk, user=w.bank_x_user)
    for region in (w.shanghai, w.beijing):
        ProgrammeFactory(region=region)
    RelendingPolicy.objects.get_or_create(
        effective_from=date(2031, 1, 1),
        defaults={"quota": Decimal("1000"), "refinance_share": Decimal("0.6"), "rate": Decimal("0.0175")},
    )
    return w


def test_every_admin_list_shows_a_regional_coordinator_nothing_outside_its_scope():
    """Given rows on both sides of the coordinator's scope for every registered model, when the Shanghai
    coordinator opens every admin list and every out-of-scope change and history page, then no outside row
    is listed, each of their pages is a 404, reference data is read-only, and the rest is a 403."""
    w = _out_of_scope_world()
    client = browser(w.coordinator)
    registered = set(admin.site._registry)
    assert registered == set(OUT_OF_SCOPE) | REFERENCE | FORBIDDEN, "classify every new admin here"

    for model, outside in OUT_OF_SCOPE.items():
        response = client.get(url(model, "changelist"))
        assert response.status_code == 200, model
        listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
        hidden = set(outside(model.objects.all(), w).values_list("pk", flat=True))
        assert hidden, f"the world has no {model.__name__} outside the scope: the check could not fail"
        assert not listed & hidden, model
        assert listed, f"{model.__name__}: the coordinator sees none of its own rows either"
        for pk in sorted(hidden)[:3]:
            obj = model.objects.get(pk=pk)
            assert client.get(url(obj)).status_code == 404, (model, pk)
            assert client.get(url(obj, "history")).status_code == 404, (model, pk)

    for model in REFERENCE:
        response = client.get(url(model, "changelist"))
        assert response.status_code == 200, model
        assert response.context["cl"].queryset.count() == model.objects.count() > 0, model
        sample = model.objects.get(region=w.beijing) if model is ServiceLevel else model.objects.first()
        assert client.get(url(sample)).status_code == 200, model
        assert client.post(url(sample), {}).status_code == 403, model
        assert client.get(url(sample, "history")).status_code == 200, model

    TOTPDevice.objects.create(user=w.national, name="phone")
    for model in FORBIDDEN:
        assert client.get(url(model, "changelist")).status_code == 403, model
        sample = model.objects.first()
        if sample is not None:  # the sign-in logs of django-axes hold rows only after a password login
            # Refused either way: a 403, or a 404 where the admin scopes its rows before asking permissions.
            assert client.get(url(sample)).status_code in (403, 404), model


# --- the audit ----------------------------------------------------------------------------------------


def test_a_superusers_grant_is_audited_with_who_when_and_before_after(powers):
    """Given a superuser, when it makes the Shanghai coordinator national and adds Beijing through the
    admin, then the scope's history names the superuser, the time, and national False → True with the
    regions before and after, and the history page shows it; the coordinator reads its own history."""
    w = powers
    root = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    scope = CoordinatorScope.objects.get(user=w.coordinator)
    before = timezone.now()
    response = browser(root).post(
        url(scope), {"user": w.coordinator.pk, "national": "on", "regions": [w.shanghai.pk, w.beijing.pk]}
    )
    assert response.status_code == 302
    # One save of the form writes the fields, then the regions: two records, both the superuser's.
    records = list(scope.history.filter(history_date__gte=before).order_by("history_id"))
    assert records and {record.history_user for record in records} == {root}
    delta = records[-1].diff_against(records[0].prev_record)
    changes = {change.field: change for change in delta.changes}
    assert (changes["national"].old, changes["national"].new) == (False, True)
    regions = changes["regions"]
    assert {row["region"] for row in regions.old} == {w.shanghai.pk}
    assert {row["region"] for row in regions.new} == {w.shanghai.pk, w.beijing.pk}
    page = browser(root).get(url(scope, "history"))
    assert page.status_code == 200
    assert "root" in page.content.decode()
    assert browser(w.coordinator).get(url(scope, "history")).status_code == 200


def test_a_membership_granted_from_either_side_is_audited(powers):
    """Given bank Y, when a member is added from the institution's side and another from the user's
    side, then both appear in the institution's history with the member lists before and after."""
    w = powers
    first, second = f.UserFactory(username="y-1"), f.UserFactory(username="y-2")
    w.bank_y.members.add(first)
    second.institutions.add(w.bank_y)
    records = list(w.bank_y.history.order_by("history_id"))
    members_after = [{row["user"] for row in r.members.values("user")} for r in records[-2:]]
    assert members_after == [{w.bank_y_user.pk, first.pk}, {w.bank_y_user.pk, first.pk, second.pk}]
