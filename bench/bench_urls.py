"""The project's URLs plus two baselines (ROOT_URLCONF=bench.bench_urls): a bare DRF endpoint for bench/api.py
and a bare page for bench/pages.py."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns

BODY = [{"id": i, "reference": f"FR-2026-{i:06d}", "status": "triage"} for i in range(1, 4)]


class BareView(APIView):
    """The API's default authentication (token lookup and last-used update), permission and throttle
    classes; no work of its own."""

    def get(self, request):
        return Response(BODY)


@login_required
def bare_page(request):
    """A page's fixed costs and nothing else: the session and user behind `login_required`, base.html."""
    return render(request, "base.html")


urlpatterns = [
    path("bench/bare/", BareView.as_view()),
    path("bench/bare-page/", bare_page),
    *project_urlpatterns,
]
