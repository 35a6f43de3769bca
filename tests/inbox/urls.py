"""The project's URLs plus stand-ins for the pages other areas are building (their names as in branches
smereq and inst), so that the inbox's links can be checked before those pages land."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as project_urls


def stand_in(request, key):
    return HttpResponse(str(key))


sme = ([path("requests/<str:reference>/", stand_in, name="request")], "sme")
institution = ([path("referrals/<int:pk>/", stand_in, name="referral")], "institution")

urlpatterns = [
    *project_urls,
    path("sme/", include(sme)),
    path("institution/", include(institution)),
]
