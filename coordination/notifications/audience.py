"""Who is told what (DESIGN.md §4): each topic goes to the parties it concerns, and only to them."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from projects.regions import covers

from ..choices import Role
from ..models import (
    CoordinatorScope,
    FinancingRequest,
    LossClaim,
    Offer,
    OutboxMessage,
    Referral,
    TransitionEvent,
    WebhookSubscription,
)
from ..selectors import applicant_reads_reason
from ..workflow.tables import notified_topics

User = get_user_model()

# Transitions say whom they tell in their table row (`notify`); creations and deadlines are added here.
APPLICANT_TOPICS = notified_topics(Role.APPLICANT) | {"offer.make"}
INSTITUTION_TOPICS = notified_topics(Role.INSTITUTION) | {"referral.route"}
COORDINATOR_TOPICS = notified_topics(Role.COORDINATOR) | {"deadline.escalate", "loss_claim.report_default"}
# Reminders go to whoever the waiting stage waits on.
REMINDER_AUDIENCE = {
    "triage": "coordinator",
    "approval": "coordinator",
    "offer_window": "coordinator",
    "institution_review": "institution",
    "applicant_answer": "applicant",
    "offer_validity": "applicant",
}


@dataclass
class Audience:
    role: str
    users: list = field(default_factory=list)
    webhooks: list = field(default_factory=list)

    def payload(self, message: OutboxMessage) -> dict:
        """What this audience is sent (inbox, e-mail and webhooks alike), without reasons not meant for it."""
        payload = {"topic": message.topic, **message.payload}
        if self.role == "applicant" and not applicant_reads_reason(message.topic, payload.get("actor_role")):
            payload.pop("reason", None)
        return payload


# About an enterprise rather than a request (coordination/services/enterprise_onboarding.py): to its
# managers, or to the user who asked to join. Never to webhooks: joining is a person's matter.
JOIN_REQUESTED = "enterprise.join_requested"
JOIN_DECIDED = frozenset({"enterprise.join_approved", "enterprise.join_refused"})


def _enterprise_audiences(message: OutboxMessage) -> list[Audience]:
    payload = message.payload
    if message.topic == JOIN_REQUESTED:
        managers = User.objects.filter(
            managed_enterprises=payload.get("enterprise_id"), is_active=True
        ).exclude(pk=payload.get("user_id"))
        return [Audience("enterprise_manager", list(managers))]
    return [Audience("join_applicant", list(User.objects.filter(pk=payload.get("user_id"), is_active=True)))]


# About a recommendation list (DESIGN §14): published and due soon to the institutions concerned, overdue
# to the coordinator who built the list.
LIST_TO_INSTITUTIONS = frozenset({"recommendation.published", "recommendation.remind"})
LIST_OVERDUE = "recommendation.overdue"


def _list_audiences(message: OutboxMessage) -> list[Audience]:
    payload = message.payload
    if message.topic == LIST_OVERDUE:
        return [
            Audience(
                "coordinator", list(User.objects.filter(pk=payload.get("coordinator_id"), is_active=True))
            )
        ]
    institution_ids = payload.get("institution_ids") or []
    return [
        Audience(
            "institution",
            list(User.objects.filter(institutions__in=institution_ids, is_active=True).distinct()),
            list(WebhookSubscription.objects.filter(institution__in=institution_ids, is_active=True)),
        )
    ]


def audiences_for(message: OutboxMessage) -> list[Audience]:
    if message.topic == JOIN_REQUESTED or message.topic in JOIN_DECIDED:
        return _enterprise_audiences(message)
    if message.topic in LIST_TO_INSTITUTIONS or message.topic == LIST_OVERDUE:
        return _list_audiences(message)
    request = (
        FinancingRequest.objects.select_related("enterprise__region").filter(pk=message.request_id).first()
    )
    if request is None:
        return []
    topic, payload = message.topic, message.payload
    roles = _roles_for_topic(topic, payload)
    audiences = []
    if "applicant" in roles:
        audiences.append(
            Audience(
                "applicant",
                list(request.enterprise.members.filter(is_active=True)),
                list(WebhookSubscription.objects.filter(enterprise=request.enterprise, is_active=True)),
            )
        )
    if "institution" in roles:
        institution_ids = _institutions_concerned(topic, payload, request)
        audiences.append(
            Audience(
                "institution",
                list(User.objects.filter(institutions__in=institution_ids, is_active=True).distinct()),
                list(WebhookSubscription.objects.filter(institution__in=institution_ids, is_active=True)),
            )
        )
    if "coordinator" in roles:
        users = _coordinators_in_scope(request)
        if topic in {"financing_request.propose_approval", "loss_claim.propose_approval"}:
            proposer = TransitionEvent.objects.filter(pk=payload.get("event_id")).values_list(
                "actor_id", flat=True
            )
            users = [u for u in users if u.pk not in set(proposer)]
        audiences.append(
            Audience(
                "coordinator",
                users,
                list(
                    WebhookSubscription.objects.filter(coordinator__in=[u.pk for u in users], is_active=True)
                ),
            )
        )
    return audiences


def _roles_for_topic(topic: str, payload: dict) -> set[str]:
    if topic in {"deadline.remind"}:
        return {REMINDER_AUDIENCE.get(payload.get("stage"), "coordinator")}
    roles = set()
    if topic in APPLICANT_TOPICS:
        roles.add("applicant")
    if topic in INSTITUTION_TOPICS:
        roles.add("institution")
    if topic in COORDINATOR_TOPICS:
        roles.add("coordinator")
    return roles


def _institutions_concerned(topic: str, payload: dict, request: FinancingRequest) -> list[int]:
    object_type, object_id = payload.get("object_type"), payload.get("object_id")
    if object_type == "referral":
        return list(Referral.objects.filter(pk=object_id).values_list("institution_id", flat=True))
    if object_type == "offer":
        return list(Offer.objects.filter(pk=object_id).values_list("referral__institution_id", flat=True))
    if object_type == "loss_claim":
        return list(LossClaim.objects.filter(pk=object_id).values_list("institution_id", flat=True))
    # Request-level news (approval) goes to the institutions whose offers were accepted.
    return list(
        request.tranches.filter(accepted_offer__isnull=False).values_list(
            "accepted_offer__referral__institution_id", flat=True
        )
    )


def _coordinators_in_scope(request: FinancingRequest) -> list:
    """Escalated requests concern national coordinators; the rest the regional ones (national if none)."""
    region = request.enterprise.region
    scopes = list(
        CoordinatorScope.objects.filter(user__is_active=True)
        .select_related("user")
        .prefetch_related("regions")
    )
    national = [s.user for s in scopes if s.national]
    if request.escalated:
        return national
    regional = [s.user for s in scopes if not s.national and any(covers(r, region) for r in s.regions.all())]
    return regional or national
