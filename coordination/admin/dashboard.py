"""The console's index: the coordinator's queues with counts, and the workflow's recent actions in words.

Both read through the registered ModelAdmins' querysets, so a count is exactly the length of the list its
link opens and an action is listed only where its change list would show it (DESIGN §1 scoping). A fixed
number of queries whatever the number of requests: one aggregate for the counts, one read of the recent
events, and at most one each for the institutions named by referral and offer events among them.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..models import FinancingRequest, Offer, Referral, TransitionEvent
from ..services.admin_queues import QUEUES, queue_counts
from ..workflow.labels import event_words, object_word, status_label
from .display import local_time

RECENT_ACTIONS = 12


@dataclass(frozen=True)
class QueueCard:
    key: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class RecentAction:
    at: datetime
    time: str
    reference: str
    url: str
    words: str
    subject: str
    transition: str
    actor: str


def dashboard(site: AdminSite, request: HttpRequest) -> dict:
    return {
        "console_queues": queue_cards(site, request),
        "console_recent": recent_actions(site, request),
        "console_events_url": _changelist_url(site, request, TransitionEvent),
    }


def _changelist_url(site: AdminSite, request: HttpRequest, model) -> str | None:
    model_admin = site._registry.get(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    return reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")


def queue_cards(site: AdminSite, request: HttpRequest) -> list[QueueCard] | None:
    """One card per queue, counted in the user's scope; None for a user who may not read requests."""
    base = _changelist_url(site, request, FinancingRequest)
    if base is None:
        return None
    counts = queue_counts(site._registry[FinancingRequest].get_queryset(request))
    return [
        QueueCard(key, str(label), counts[key], f"{base}?{urlencode({'queue': key})}")
        for key, label in QUEUES.items()
    ]


def recent_actions(site: AdminSite, request: HttpRequest, limit: int = RECENT_ACTIONS) -> list[RecentAction]:
    """The latest workflow events the user may see, newest first, each said in words with its local time."""
    model_admin = site._registry.get(TransitionEvent)
    if model_admin is None or not model_admin.has_view_permission(request):
        return []
    events = model_admin.get_queryset(request).select_related("request", "actor")
    events = list(events.order_by("-created_at", "-id")[:limit])
    institutions = _institutions_named(events)
    can_open = _changelist_url(site, request, FinancingRequest) is not None
    actions = []
    for event in events:
        subject = object_word(event.object_type)
        institution = institutions.get((event.object_type, event.object_id))
        if institution:
            subject = _("%(object)s · %(institution)s") % {"object": subject, "institution": institution}
        actor = str(event.actor) if event.actor else _("system")
        actions.append(
            RecentAction(
                at=event.created_at,
                time=local_time(event.created_at),
                reference=event.request.reference,
                url=reverse(f"{site.name}:coordination_financingrequest_change", args=[event.request_id])
                if can_open
                else "",
                words=event_words(event.object_type, event.action),
                subject=subject,
                transition=_("%(from)s → %(to)s")
                % {
                    "from": status_label(event.object_type, event.from_status),
                    "to": status_label(event.object_type, event.to_status),
                },
                actor=_("%(actor)s (%(role)s)") % {"actor": actor, "role": event.get_actor_role_display()},
            )
        )
    return actions


def _institutions_named(events: list[TransitionEvent]) -> dict[tuple[str, int], str]:
    """The institution behind each referral and offer event, read once for all of them."""
    referral_ids = {e.object_id for e in events if e.object_type == "referral"}
    offer_ids = {e.object_id for e in events if e.object_type == "offer"}
    names: dict[tuple[str, int], str] = {}
    if referral_ids:
        for pk, name in Referral.objects.filter(pk__in=referral_ids).values_list("pk", "institution__name"):
            names["referral", pk] = name
    if offer_ids:
        offers = Offer.objects.filter(pk__in=offer_ids)
        for pk, name in offers.values_list("pk", "referral__institution__name"):
            names["offer", pk] = name
    return names
