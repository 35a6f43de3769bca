"""The header of every page (templates/base.html): the links the signed-in user's roles open, and the inbox's
unread count. A context processor, read lazily: a page that does not extend base.html (the admin) pays
nothing, one that does pays a fixed number of queries whatever the user holds."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from coordination import selectors
from coordination.choices import Role

from .links import url_or_none


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False
    badge: int | None = None
    badge_label: str = ""


def _is_current(request: HttpRequest, url: str) -> bool:
    return request.path == url or (url != "/" and request.path.startswith(url))


def links_for(request: HttpRequest) -> list[NavLink]:
    """Each area the user may use, in the order of DESIGN.md §9; an area whose pages do not exist yet is
    left out rather than linked."""
    user = request.user
    if not user.is_authenticated:
        return []
    roles = selectors.roles_of(user)
    wanted = []
    if Role.APPLICANT in roles or not (roles or user.is_superuser):
        wanted.append(("sme:home", _("My enterprises")))
    if Role.INSTITUTION in roles:
        wanted.append(("institution:queue", _("Referrals")))
        wanted.append(("institution:lists", _("Recommendation lists")))
        wanted.append(("institution:performance", _("Performance")))
        wanted.append(("institution:claims", _("Loss claims")))
        if selectors.manages_an_institution(user):
            wanted += [("institution:products", _("Products")), ("institution:team", _("Team"))]
    if user.is_staff:
        wanted.append(("admin:index", _("Coordinator console")))
    if Role.COORDINATOR in roles:
        wanted.append(("evaluation:dashboard", _("Evaluation")))
    found = [(str(label), url) for name, label in wanted if (url := url_or_none(name)) is not None]
    # The deepest link that holds the page is the current one (/institution/team/, not /institution/).
    current = max((url for _label, url in found if _is_current(request, url)), key=len, default=None)
    links = [NavLink(label, url, url == current) for label, url in found]
    inbox = url_or_none("inbox:home")
    if inbox is not None:
        unread = selectors.unread_notification_count(user)
        links.append(
            NavLink(
                str(_("Inbox")),
                inbox,
                _is_current(request, inbox),
                badge=unread,
                badge_label=str(_("unread")),
            )
        )
    return links


def navigation(request: HttpRequest) -> dict:
    return {
        "nav_links": SimpleLazyObject(lambda: links_for(request)),
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_notification_count(request.user)),
    }
