"""/sme/ (namespace "sme"): the applicant's pages (DESIGN.md §9)."""

from django.urls import path

from . import sme, sme_packages

app_name = "sme"

urlpatterns = [
    path("", sme.home, name="home"),
    path("requests/new/", sme.request_new, name="request_new"),
    path("packages/<int:package_id>/", sme_packages.package_detail, name="package"),
    path("packages/<int:package_id>/confirm/", sme_packages.package_confirm, name="package_confirm"),
    path("packages/<int:package_id>/decline/", sme_packages.package_decline, name="package_decline"),
    path("requests/<str:reference>/", sme.request_detail, name="request"),
    path("requests/<str:reference>/actions/<str:action>/", sme.request_action, name="request_action"),
    path(
        "requests/<str:reference>/referrals/<int:referral_id>/answer/",
        sme.referral_answer,
        name="referral_answer",
    ),
    path("requests/<str:reference>/offers/<int:offer_id>/accept/", sme.offer_accept, name="offer_accept"),
    path(
        "requests/<str:reference>/documents/<int:document_id>/",
        sme.document_download,
        name="document_download",
    ),
]
