"""The project's URLs plus one bare DRF endpoint, for bench/api.py only (ROOT_URLCONF=bench.bench_urls)."""

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


urlpatterns = [path("bench/bare/", BareView.as_view()), *project_urlpatterns]
