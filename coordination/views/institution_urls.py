"""/institution/ (namespace "institution"): the referral queue and a referral's page (DESIGN §9)."""

from django.urls import path

from . import institution, institution_performance

app_name = "institution"

urlpatterns = [
    path("", institution.queue, name="queue"),
    path("referrals/<int:pk>/", institution.referral_detail, name="referral"),
    path("referrals/<int:pk>/open/", institution.open_referral, name="open"),
    path("referrals/<int:pk>/ask/", institution.ask, name="ask"),
    path("referrals/<int:pk>/offer/", institution.offer, name="offer"),
    path("referrals/<int:pk>/decline/", institution.decline, name="decline"),
    path("referrals/<int:pk>/funding/", institution.record_funding, name="funding"),
    path(
        "referrals/<int:pk>/offers/<int:offer_id>/withdraw/",
        institution.withdraw_offer,
        name="withdraw-offer",
    ),
    path("referrals/<int:pk>/documents/<int:document_id>/", institution.download, name="document"),
    path("performance/", institution_performance.performance, name="performance"),
]
