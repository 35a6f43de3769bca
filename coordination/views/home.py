from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coordination import selectors

from .links import first_url

# Where each main role (selectors.main_role, as GET /api/v1/me/ gives it) lands after signing in: the first
# page of its list that exists. A page not built yet is skipped, never linked.
HOMES: dict[str, tuple[str, ...]] = {
    "superuser": ("admin:index",),
    "coordinator": ("admin:index",),
    "institution": ("institution:queue", "home"),
    "applicant": ("sme:home",),
    "none": ("sme:home",),
}


def home_url_for(user) -> str:
    return first_url(*HOMES.get(selectors.main_role(user), HOMES["none"]))


def home(request: HttpRequest) -> HttpResponse:
    """The front page: what the service does and where each kind of user goes."""
    context = {"your_home": home_url_for(request.user) if request.user.is_authenticated else None}
    return render(request, "coordination/home.html", context)


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """After sign-in (LOGIN_REDIRECT_URL): each role to its home."""
    return redirect(home_url_for(request.user))
