from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from ..choices import Role
from ..models import (
    Delivery,
    Notification,
    Offer,
    Referral,
)
from .scoping import EnterpriseMembers, User, coordinator_scope


def notifications_visible_to(user: User) -> QuerySet[Notification]:
    """A user's notifications are their own alone: anyone else's is out of scope (404)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk)


def unread_notification_count(user: User) -> int:
    """The header's badge: one COUNT on the (user, read_at) index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def inbox_for(user: User) -> QuerySet[Notification]:
    """The inbox: unread first, then newest; each row with its request and the payload the user was sent.

    `sent_payload` is the inbox delivery's payload (what this user's audience was sent, reasons not meant
    for it already removed), so the page can say what happened in the reader's language today; it is None
    for a notification that did not come through the relay.
    """
    sent = Delivery.objects.filter(key=OuterRef("delivery_key")).values("payload")[:1]
    return (
        notifications_visible_to(user)
        .select_related("request")
        .annotate(
            unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()),
            sent_payload=Subquery(sent),
        )
        .order_by("-unread", "-created_at", "-id")
    )


@dataclass(frozen=True)
class NotificationTarget:
    """The page a notification leads its reader to: the role it reads it in and that page's key."""

    role: str
    key: str | int


def notification_targets(user: User, notifications: list[Notification]) -> dict[int, NotificationTarget]:
    """Where each notification of a page leads this user, in a fixed number of queries.

    A member of the request's enterprise goes to the request (by reference); a member of an institution to
    its own referral (the notification's referral, the offer's referral, or its referral on that request);
    a coordinator to the request in the console. A notification that fits none has no target.
    """
    if not user.is_authenticated or not notifications:
        return {}
    request_ids = {n.request_id for n in notifications if n.request_id}
    own_enterprises = set(
        EnterpriseMembers.objects.filter(user_id=user.pk).values_list("enterprise_id", flat=True)
    )
    own_referrals: dict[int, int] = {}  # referral id -> request id
    first_referral: dict[int, int] = {}  # request id -> the user's institution's first referral on it
    for pk, request_id in (
        Referral.objects.filter(request_id__in=request_ids, institution__members=user)
        .order_by("pk")
        .values_list("pk", "request_id")
    ):
        own_referrals[pk] = request_id
        first_referral.setdefault(request_id, pk)
    offer_ids = {
        payload.get("object_id")
        for n in notifications
        if (payload := getattr(n, "sent_payload", None) or {}).get("object_type") == "offer"
        and payload.get("object_id") is not None
    }
    offer_referral = (
        dict(
            Offer.objects.filter(pk__in=offer_ids, referral_id__in=list(own_referrals)).values_list(
                "pk", "referral_id"
            )
        )
        if offer_ids and own_referrals
        else {}
    )
    coordinator = user.is_staff and coordinator_scope(user) is not None
    targets: dict[int, NotificationTarget] = {}
    for notification in notifications:
        request = notification.request
        if request is None:
            continue
        payload = getattr(notification, "sent_payload", None) or {}
        object_type, object_id = payload.get("object_type"), payload.get("object_id")
        if request.enterprise_id in own_enterprises:
            targets[notification.pk] = NotificationTarget(Role.APPLICANT, request.reference)
            continue
        referral_id: int | None = None
        if object_type == "referral" and object_id in own_referrals:
            referral_id = object_id
        elif object_type == "offer" and object_id is not None:
            referral_id = offer_referral.get(object_id)
        referral_id = referral_id or first_referral.get(request.pk)
        if referral_id:
            targets[notification.pk] = NotificationTarget(Role.INSTITUTION, referral_id)
        elif coordinator:
            targets[notification.pk] = NotificationTarget(Role.COORDINATOR, request.pk)
    return targets
