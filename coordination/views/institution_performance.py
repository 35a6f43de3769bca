"""/institution/performance/ (DESIGN §9): the institution's response time and offer rate by field against
its peers, as the matcher scores them (selectors/institution_performance.py). Members of an institution
only; anyone else, coordinators included, gets a 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ..selectors.institution_performance import institution_performance, member_institutions


@login_required
def performance(request: HttpRequest) -> HttpResponse:
    institutions = member_institutions(request.user)
    if not institutions:
        raise Http404
    return render(
        request,
        "institution/performance.html",
        {"performances": [institution_performance(institution) for institution in institutions]},
    )
