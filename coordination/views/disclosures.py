"""/sme/disclosures/ (DESIGN §1, §9): the disclosure log of the user's enterprises — which institution saw
which of their data, who there, when (Asia/Shanghai) and what."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .. import selectors
from ..models import DisclosedData

PAGE_SIZE = 50
CATEGORY_LABELS = dict(DisclosedData.choices)


@login_required
def disclosure_log(request: HttpRequest) -> HttpResponse:
    if not request.user.enterprises.exists():
        raise Http404  # the log is the enterprises' members' page
    disclosures = selectors.disclosures_visible_to(request.user).select_related(
        "user",
        "institution",
        "enterprise",
        "request",
        "document",
        "recommendation_entry__recommendation_list",
    )
    page = Paginator(disclosures, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "disclosure": disclosure,
            "who": disclosure.user.get_full_name() or disclosure.user.get_username(),
            "what": [CATEGORY_LABELS.get(category, category) for category in disclosure.categories],
        }
        for disclosure in page.object_list
    ]
    return render(request, "sme/disclosures.html", {"rows": rows, "page": page})
