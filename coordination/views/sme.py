"""The applicant's pages at /sme/ (DESIGN.md §9). For now the home: the user's enterprises and their
requests; the other SME pages are built on it."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coordination import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "enterprises": list(selectors.member_enterprises(request.user)),
        "requests": list(selectors.member_requests(request.user)),
    }
    return render(request, "sme/home.html", context)
