"""/inbox/ (DESIGN.md §9): every signed-in user's notifications, unread first; mark read; preferences.

The page says what happened in the reader's language today, from the payload the user was sent (status
labels, not codes), and links each notification to its object's page for the role the user reads it in.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .. import selectors
from ..choices import OfferStatus, ReferralStatus, RequestStatus, Role, Stage
from ..forms.inbox import PreferencesForm
from ..models import Notification, NotificationSetting
from ..notifications.messages import title_for
from ..services import inbox as inbox_services

PAGE_SIZE = 20

# Where a notification leads, by the role it is read in: the URL names tried in turn, reversed with the
# target's key (a request's reference, a referral's id, a request's id). A page that does not exist (yet)
# leaves the notification as plain text. The one place to change if the pages' names change (the names
# here are those of branches smereq and inst).
TARGET_PAGES: dict[str, tuple[str, ...]] = {
    Role.APPLICANT: ("sme:request",),
    Role.INSTITUTION: ("institution:referral",),
    Role.COORDINATOR: ("admin:coordination_financingrequest_change",),
}
STATUSES = {"financing_request": RequestStatus, "referral": ReferralStatus, "offer": OfferStatus}


@dataclass(frozen=True)
class InboxItem:
    id: int
    title: str
    lines: list[str]
    url: str | None
    unread: bool
    created_at: datetime


def _label(choices, value: str | None) -> str:
    if not value:
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _local_time(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return (moment if timezone.is_naive(moment) else timezone.localtime(moment)).strftime("%Y-%m-%d %H:%M")


def describe(topic: str, payload: dict) -> tuple[str, list[str]]:
    """A notification in words, in the active language: its title and its lines (status labels, the
    stage, the note, the deadline in Beijing time)."""
    title = title_for(topic, get_language() or "", payload)
    lines = []
    if payload.get("from_status") or payload.get("to_status"):
        choices = STATUSES.get(payload.get("object_type") or "", RequestStatus)
        lines.append(
            gettext("Status: %(from)s → %(to)s")
            % {
                "from": _label(choices, payload.get("from_status")),
                "to": _label(choices, payload.get("to_status")),
            }
        )
    if payload.get("stage"):
        lines.append(gettext("Stage: %(stage)s") % {"stage": _label(Stage, payload["stage"])})
    if payload.get("reason"):
        lines.append(gettext("Note: %(reason)s") % {"reason": payload["reason"]})
    if payload.get("due_at"):
        lines.append(gettext("Due: %(due)s (Beijing time)") % {"due": _local_time(payload["due_at"])})
    return title, lines


class _Links:
    """Reverses each page name once per page render; None when the page does not exist."""

    def __init__(self):
        self.missing: set[str] = set()

    def url(self, target: selectors.NotificationTarget | None) -> str | None:
        if target is None:
            return None
        for name in TARGET_PAGES.get(target.role, ()):
            if name in self.missing:
                continue
            try:
                return reverse(name, args=[target.key])
            except NoReverseMatch:
                self.missing.add(name)
        return None


def present(user, notifications: list[Notification]) -> list[InboxItem]:
    targets = selectors.notification_targets(user, notifications)
    links = _Links()
    items = []
    for notification in notifications:
        payload = getattr(notification, "sent_payload", None)
        if payload:
            title, lines = describe(notification.topic, payload)
        else:  # not from the relay: the text as it was stored
            title, lines = notification.title, [line for line in notification.body.splitlines() if line]
        items.append(
            InboxItem(
                id=notification.pk,
                title=title,
                lines=lines,
                url=links.url(targets.get(notification.pk)),
                unread=notification.read_at is None,
                created_at=notification.created_at,
            )
        )
    return items


def _back(request: HttpRequest) -> HttpResponse:
    """To the page the form was posted from (a safe local URL), else the inbox."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("inbox:home")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inbox/inbox.html",
        {"page": page, "items": present(request.user, list(page.object_list))},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(selectors.notifications_visible_to(request.user), pk=pk)
    inbox_services.mark_read(user=request.user, notification_id=pk)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = inbox_services.mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All notifications are marked as read."))
    return _back(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    topics = inbox_services.topics_for(request.user)
    channels = inbox_services.USER_CHANNELS
    setting = (
        selectors.notification_settings_visible_to(request.user).first()
        # Never chosen: the language the page is read in.
        or NotificationSetting(user=request.user, language=get_language())
    )
    if request.method == "POST":
        form = PreferencesForm(request.POST, topics=topics, channels=channels)
        if form.is_valid():
            muted, offered = form.muted_and_offered()
            inbox_services.save_preferences(
                user=request.user,
                language=form.cleaned_data["language"],
                email_digest=form.cleaned_data["email_digest"],
                muted=muted,
                offered=offered,
            )
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("inbox:preferences")
    else:
        form = PreferencesForm(
            initial=PreferencesForm.initial_for(
                language=setting.language,
                email_digest=setting.email_digest,
                muted=setting.muted,
                topics=topics,
                channels=channels,
            ),
            topics=topics,
            channels=channels,
        )
    return render(request, "inbox/preferences.html", {"form": form})
