"""The coordinator's console (issue 13, point 5): the admin named as the product, its index a dashboard of
the coordinator's queues counted in scope with the workflow's recent actions, and the request's pages in
words — screening, documents, the route page's proposal, what an approval approves."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, label_for_field
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise

from coordination.admin.site import ConsoleSite
from coordination.models import FinancingRequest, Offer, Referral, TransitionEvent
from coordination.permissions import sync_coordinator_group
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services.admin_queues import QUEUES
from coordination.workflow.business_days import SHANGHAI
from lenders.models import Product
from tests import factories as f
from tests.factories import draft_request

pytestmark = pytest.mark.django_db

INDEX = "admin:index"
HEADER_MSGID = "TechFin Coordination · Coordinator's console"
STOCK_NAMES = ("Django administration", "Django site admin", "Django 管理", "Django 站点管理员")


@pytest.fixture
def staff(world):
    """The world's coordinators in the coordinators' group, with exactly its permissions."""
    sync_coordinator_group().user_set.add(world.coordinator, world.national, world.national_2)
    return world


def browser(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def triaged(world, enterprise, applicant, **kwargs) -> FinancingRequest:
    request = draft_request(user=applicant, enterprise=enterprise, **kwargs)
    request = rq.submit_request(request_id=request.pk, user=applicant)
    assert request.status == "triage", request.screening
    return request


def offer_on(referral: Referral, user, **terms) -> Offer:
    rs.open_referral(referral_id=referral.pk, user=user)
    return rs.make_offer(
        referral_id=referral.pk,
        user=user,
        amount=referral.tranche.amount,
        valid_until=timezone.localdate() + timedelta(days=20),
        **terms,
    )


def fill_queues(w, enterprise, applicant) -> dict[str, FinancingRequest]:
    """One request of `enterprise` per situation, through the services (the national coordinator routes
    and approves, so that it works in any region): triage (flagged overdue), re-routing, awaiting approval,
    awaiting the checker (escalated)."""
    triage = triaged(w, enterprise, applicant)
    reroute = triaged(w, enterprise, applicant)
    routing.route_request(request_id=reroute.pk, user=w.national, product_ids=[w.loan_x.pk])
    rs.decline_referral(
        referral_id=reroute.referrals.get().pk, user=w.bank_x_user, reason_code="insufficient_credit"
    )
    awaiting = triaged(w, enterprise, applicant)
    routing.route_request(request_id=awaiting.pk, user=w.national, product_ids=[w.loan_x.pk])
    rs.accept_offer(offer_id=offer_on(awaiting.referrals.get(), w.bank_x_user).pk, user=applicant)
    confirming = triaged(w, enterprise, applicant, tranches=(("credit_loan", "60000000"),))
    routing.route_request(request_id=confirming.pk, user=w.national, product_ids=[w.loan_y.pk])
    rs.accept_offer(offer_id=offer_on(confirming.referrals.get(), w.bank_y_user).pk, user=applicant)
    approvals.approve_request(request_id=confirming.pk, user=w.national)  # the maker's half
    FinancingRequest.objects.filter(pk=triage.pk).update(overdue=True)  # as the deadline sweep flags it
    return {"triage": triage, "reroute": reroute, "awaiting": awaiting, "confirming": confirming}


def counts(response) -> dict[str, int]:
    return {card.key: card.count for card in response.context["console_queues"]}


def change_url(request) -> str:
    return reverse("admin:coordination_financingrequest_change", args=[request.pk])


def action_url(request, action: str) -> str:
    return reverse("admin:coordination_financingrequest_object_action", args=[request.pk, action])


# --- the product's name -----------------------------------------------------------------------------


def test_the_console_is_named_as_the_product_and_never_as_django(staff):
    """Given the admin site, when a coordinator opens its index and anyone its login page in English, then
    the header, the window title and the index title are ours (translatable strings), and no stock
    "Django administration" is left."""
    site = admin.site._wrapped if hasattr(admin.site, "_wrapped") else admin.site
    assert isinstance(site, ConsoleSite)
    for name in ("site_header", "site_title", "index_title"):
        assert isinstance(getattr(site, name), Promise), f"{name} is not wrapped in gettext"
    with translation.override("en"):
        assert str(site.site_header) == HEADER_MSGID
    index = browser(staff.coordinator).get(reverse(INDEX))
    login = Client(headers={"accept-language": "en"}).get(reverse("admin:login"))
    for page in (index, login):
        body = page.content.decode()
        assert page.status_code == 200
        assert HEADER_MSGID.replace("'", "&#x27;") in body
        assert "<title>" in body and "TechFin Coordination</title>" in body
        assert not [name for name in STOCK_NAMES if name in body]
    assert "Work queues" in index.content.decode()


def test_under_zh_hans_the_header_is_the_chinese_one(staff):
    """Given the zh-hans catalogue, when a coordinator opens the console in Chinese, then the header is our
    string's Chinese translation (科技金融协调服务 · 协调台 or the like), and no stock Django name shows."""
    with translation.override("zh-hans"):
        header = str(admin.site.site_header)
    body = browser(staff.coordinator, "zh-hans").get(reverse(INDEX)).content.decode()
    assert '<html lang="zh-hans"' in body
    assert not [name for name in STOCK_NAMES if name in body]
    if header == HEADER_MSGID:
        pytest.skip("the zh-hans catalogue (branch i18n) has no entry for the console's header yet")
    assert re.search(r"[\u4e00-\u9fff]", header)
    assert header in body


# --- the dashboard ----------------------------------------------------------------------------------


def test_the_dashboard_counts_each_queue_in_the_coordinators_scope(staff):
    """Given the same situations in Shanghai and in Beijing, when the Shanghai coordinator and a national
    coordinator open the console, then each queue counts only Shanghai's requests for the first and both
    regions' for the second, and each count's link opens a list of exactly that many requests."""
    w = staff
    fill_queues(w, w.enterprise_a, w.applicant_a)
    fill_queues(w, w.enterprise_b, w.applicant_b)
    one_region = {
        "triage": 2,
        "needs_rerouting": 1,
        "awaiting_approval": 1,
        "awaiting_confirmation": 1,
        "escalated": 1,
        "overdue": 1,
    }
    assert set(one_region) == set(QUEUES)
    regional = browser(w.coordinator)
    page = regional.get(reverse(INDEX))
    assert counts(page) == one_region
    national = browser(w.national)
    assert counts(national.get(reverse(INDEX))) == {queue: 2 * n for queue, n in one_region.items()}
    for card in page.context["console_queues"]:
        assert f'href="{card.url.replace("&", "&amp;")}"' in page.content.decode()
        listed = regional.get(card.url)
        assert listed.status_code == 200
        assert listed.context["cl"].result_count == card.count, card.key
        assert {r.enterprise_id for r in listed.context["cl"].result_list} == {w.enterprise_a.pk}


def test_recent_actions_are_the_workflows_in_scope_in_words_and_local_time(staff):
    """Given Shanghai's requests and then Beijing's, when each coordinator opens the console, then the
    recent actions are transition events said in words with their Asia/Shanghai time, Beijing's are
    not among the Shanghai coordinator's, and the national coordinator sees the latest, Beijing's."""
    w = staff
    shanghai = fill_queues(w, w.enterprise_a, w.applicant_a)
    beijing = fill_queues(w, w.enterprise_b, w.applicant_b)
    regional = browser(w.coordinator).get(reverse(INDEX))
    recent = regional.context["console_recent"]
    assert recent
    assert {action.reference for action in recent} <= {r.reference for r in shanghai.values()}
    national = browser(w.national).get(reverse(INDEX))
    latest = national.context["console_recent"][0]
    event = TransitionEvent.objects.order_by("-created_at", "-id").first()
    assert latest.reference == event.request.reference == beijing["confirming"].reference
    assert latest.words == "approval proposed (maker)"
    assert latest.time == timezone.localtime(event.created_at, SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert latest.transition == "Offer accepted → Offer accepted"
    assert latest.actor == "national-1 (Coordinator)"
    body = national.content.decode()
    assert "approval proposed (maker)" in body and latest.time in body
    offer_events = [a for a in national.context["console_recent"] if a.subject.startswith("offer ·")]
    assert offer_events and offer_events[0].subject in {"offer · Bank X", "offer · Bank Y"}


def test_the_index_reads_a_constant_number_of_queries_whatever_the_number_of_requests(staff):
    """Given one set of requests in Shanghai, when the coordinator opens the console, and again after as
    many more, then both reads take the same number of queries."""
    w = staff
    client = browser(w.coordinator)
    fill_queues(w, w.enterprise_a, w.applicant_a)
    client.get(reverse(INDEX))  # the session and permission caches are warm from here on
    with CaptureQueriesContext(connection) as first:
        page = client.get(reverse(INDEX))
    assert counts(page)["triage"] == 2
    other = f.EnterpriseFactory(region=w.pudong, members=[w.applicant_a])
    fill_queues(w, other, w.applicant_a)
    fill_queues(w, w.enterprise_a, w.applicant_a)
    with CaptureQueriesContext(connection) as second:
        page = client.get(reverse(INDEX))
    assert counts(page)["triage"] == 6
    assert len(second) == len(first), [q["sql"][:120] for q in second.captured_queries]


def test_staff_without_the_request_permission_see_no_queues(world):
    """Given a staff user outside the coordinators' group, when it opens the console, then no queue
    (and no count) and no recent action is shown."""
    clerk = f.UserFactory(username="clerk", is_staff=True)
    page = browser(clerk).get(reverse(INDEX))
    assert page.status_code == 200
    assert page.context["console_queues"] is None and page.context["console_recent"] == []
    assert 'id="console-queues"' not in page.content.decode()


# --- the request's change page ---------------------------------------------------------------------


def test_the_screening_result_is_in_words_with_its_local_time(staff):
    """Given a triaged request and one whose documents are missing, when the coordinator opens each, then
    the screening is sentences — checked when (Asia/Shanghai), complete or what is missing, size class and
    tech-SME evaluation — and no JSON dump or UTC timestamp."""
    w = staff
    request = triaged(w, w.enterprise_a, w.applicant_a)
    incomplete = draft_request(user=w.applicant_a, enterprise=w.enterprise_a, documents=False)
    incomplete = rq.submit_request(request_id=incomplete.pk, user=w.applicant_a)
    assert incomplete.status == "info_requested"
    client = browser(w.coordinator)
    body = client.get(change_url(request)).content.decode()
    checked = parse_datetime(request.screening["checked_at"])
    local = timezone.localtime(checked, SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f"Checked {local} (Asia/Shanghai)." in body
    assert "Complete: nothing missing." in body
    assert f"From the {request.screening['financials_year']} financials: size class" in body
    assert "qualified as a tech-SME" in body and "of 100 points" in body
    assert "checked_at" not in body and request.screening["checked_at"] not in body
    body = client.get(change_url(incomplete)).content.decode()
    assert "Incomplete:" in body
    for line in incomplete.screening["missing"]:
        assert line in body
    assert incomplete.screening["missing"]


def test_documents_open_through_the_scoped_view_and_out_of_scope_is_404(staff):
    """Given a Shanghai and a Beijing request with documents, when the Shanghai coordinator follows the
    change page's document link, then the file comes back; a Beijing document, or a Shanghai request's URL
    with another request's document, is a 404; the national coordinator opens the Beijing one."""
    w = staff
    mine = triaged(w, w.enterprise_a, w.applicant_a)
    theirs = triaged(w, w.enterprise_b, w.applicant_b)
    client = browser(w.coordinator)
    document = mine.documents.order_by("pk").first()
    url = reverse("admin:coordination_financingrequest_document", args=[mine.pk, document.pk])
    page = client.get(change_url(mine)).content.decode()
    assert f'href="{url}"' in page and document.original_name in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"
    assert response["Content-Type"] == "application/pdf"
    other = theirs.documents.order_by("pk").first()
    other_url = reverse("admin:coordination_financingrequest_document", args=[theirs.pk, other.pk])
    assert client.get(other_url).status_code == 404
    crossed = reverse("admin:coordination_financingrequest_document", args=[mine.pk, other.pk])
    assert client.get(crossed).status_code == 404
    assert browser(w.national).get(other_url).status_code == 200
    # Not staff (the applicant, a bank): the admin's login, never the file
    for outsider in (w.applicant_a, w.bank_x_user):
        response = browser(outsider).get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_the_route_page_shows_the_proposal_as_a_table_with_top_factors(staff):
    """Given a triaged request, when the coordinator opens its route page, then each tranche's candidates
    are rows — institution and product, score, proposed or not — with the top three factors listed and
    the rest behind an "expand", the proposed ones ticked; posting the ticks routes to them."""
    w = staff
    request = triaged(w, w.enterprise_a, w.applicant_a)
    client = browser(w.coordinator)
    page = client.get(action_url(request, "route"))
    assert page.status_code == 200
    row = page.context["rows"][0]
    [tranche] = row.proposal
    candidates = {c.institution: c for c in tranche.candidates}
    assert {"Bank X", "Bank Y"} <= set(candidates)
    body = page.content.decode()
    name = f"r{request.pk}-products"
    for candidate in tranche.candidates:
        assert len(candidate.top) == 3 and candidate.more
        assert f"<strong>{candidate.institution}</strong><br>{candidate.product}" in body
        checked = " checked" if candidate.selected else ""
        assert f'name="{name}" value="{candidate.pk}" id="{name}-{candidate.pk}"{checked}>' in body
        top_points = [float(factor.points) for factor in candidate.top]
        assert top_points == sorted(top_points, reverse=True)
        assert min(top_points) >= max(
            float(factor.points) for factor in candidate.more if factor.points != "—"
        )
    assert body.count("<details>") == len(tranche.candidates)
    assert "more factors</summary>" in body
    response = client.post(
        page.context["form_url"],
        {"ids": page.context["ids"], "next": page.context["next"], name: [w.loan_y.pk]},
    )
    assert response.status_code == 302
    assert {r.institution for r in request.referrals.all()} == {w.bank_y}


def test_the_approve_and_confirm_pages_say_what_is_approved(staff):
    """Given an escalated request whose offer (bank Y, 3.45 %, 36 months, secured) the applicant accepted,
    when the maker opens approve and then the checker opens confirm, then both pages name the institution,
    the product, the amount, the rate as a percentage, the term and the further terms."""
    w = staff
    request = triaged(w, w.enterprise_a, w.applicant_a, tranches=(("credit_loan", "60000000"),))
    routing.route_request(request_id=request.pk, user=w.national, product_ids=[w.loan_y.pk])
    offer = offer_on(
        request.referrals.get(),
        w.bank_y_user,
        annual_rate=Decimal("0.0345"),
        term_months=36,
        terms={"security": "IP pledge on 3 patents"},
    )
    rs.accept_offer(offer_id=offer.pk, user=w.applicant_a)
    maker = browser(w.national).get(action_url(request, "approve"))
    assert maker.context["rows"][0].label == "Propose approval (maker)"
    approvals.approve_request(request_id=request.pk, user=w.national)
    checker = browser(w.national_2).get(action_url(request, "approve"))
    assert checker.context["rows"][0].label == "Confirm approval (checker)"
    for page in (maker, checker):
        body = page.content.decode()
        [accepted] = page.context["rows"][0].accepted
        assert accepted.institution == "Bank Y" and accepted.product == "Y tech loan"
        for text in (
            "Accepted offers to approve",
            "<strong>Bank Y</strong>",
            "Y tech loan",
            "60,000,000.00 CNY (6,000 万元)",
            "3.45%",
            "36 months",
            "security: IP pledge on 3 patents",
        ):
            assert text in body, text
    assert "approval proposed by national-1 at" in checker.content.decode()


def test_the_approve_page_reads_its_offers_in_one_query_for_many_requests(staff):
    """Given requests awaiting approval, when the coordinator selects one or three of them for approval on
    the change list, then the page reads the accepted offers in the same number of queries."""
    w = staff
    waiting = []
    for _ in range(3):
        request = triaged(w, w.enterprise_a, w.applicant_a)
        routing.route_request(request_id=request.pk, user=w.coordinator, product_ids=[w.loan_x.pk])
        rs.accept_offer(offer_id=offer_on(request.referrals.get(), w.bank_x_user).pk, user=w.applicant_a)
        waiting.append(request)
    client = browser(w.coordinator)
    changelist = reverse("admin:coordination_financingrequest_changelist")

    def approve_page(requests):
        with CaptureQueriesContext(connection) as queries:
            page = client.post(
                changelist,
                {"action": "act_approve", "_selected_action": [r.pk for r in requests], "index": "0"},
            )
        assert page.status_code == 200
        assert all(row.accepted for row in page.context["rows"])
        return len(queries)

    approve_page(waiting[:1])
    assert approve_page(waiting) == approve_page(waiting[:1])


# --- every label ours through gettext ---------------------------------------------------------------

OUR_APPS = {"projects", "lenders", "coordination"}
# Wrapped on branch i18n (with its migration): remove once it is merged.
PENDING_ON_I18N = {(Product, "institution")}


def _labels(model_admin, request):
    model = model_admin.model
    names = [n for n in model_admin.get_list_display(request) if n not in ("__str__", "action_checkbox")]
    names += list(model_admin.get_fields(request))
    for name in names:
        yield model, name, label_for_field(name, model, model_admin)
    for item in model_admin.list_filter:
        if isinstance(item, str):
            yield model, item, get_fields_from_path(model, item)[-1].verbose_name
        elif isinstance(item, tuple):
            yield model, item[0], get_fields_from_path(model, item[0])[-1].verbose_name
        else:
            yield model, item.__name__, item.title
    for title, _options in model_admin.get_fieldsets(request):
        if title is not None:
            yield model, "fieldset", title
    for inline in model_admin.get_inline_instances(request):
        for name in inline.get_fields(request):
            yield inline.model, name, label_for_field(name, inline.model, inline)


def test_every_model_and_admin_label_of_ours_is_translatable(rf):
    """Given every registered admin of our apps, when its labels are read — models' names, list columns,
    form fields, filters, fieldsets, inlines' columns — then each is a gettext string, not a field name
    turned into English words."""
    superuser = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    request = rf.get("/admin/")
    request.user = superuser
    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        for meta_name in ("verbose_name", "verbose_name_plural"):
            if not isinstance(model._meta.original_attrs.get(meta_name), Promise):
                missing.append(f"{model.__name__}.Meta.{meta_name}")
        for owner, name, label in _labels(model_admin, request):
            if name != "id" and not isinstance(label, Promise) and (owner, name) not in PENDING_ON_I18N:
                missing.append(f"{owner.__name__}.{name}: {label!r}")
    assert not missing, "\n".join(missing)
