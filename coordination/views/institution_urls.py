"""/institution/ (namespace "institution"): the referral queue and a referral's page (DESIGN §9), the
recommendation lists published to the institution (§14); the catalogue and the team, for its managers."""

from django.urls import path

from . import (
    institution,
    institution_lists,
    institution_performance,
    institution_products,
    institution_referral,
    institution_team,
)

app_name = "institution"

urlpatterns = [
    path("", institution.queue, name="queue"),
    path("referrals/<int:pk>/", institution_referral.referral_detail, name="referral"),
    path("referrals/<int:pk>/open/", institution_referral.open_referral, name="open"),
    path("referrals/<int:pk>/ask/", institution_referral.ask, name="ask"),
    path("referrals/<int:pk>/offer/", institution_referral.offer, name="offer"),
    path("referrals/<int:pk>/decline/", institution_referral.decline, name="decline"),
    path("referrals/<int:pk>/funding/", institution_referral.record_funding, name="funding"),
    path("referrals/<int:pk>/default/", institution_referral.report_default, name="default"),
    path("claims/", institution.claims, name="claims"),
    path(
        "referrals/<int:pk>/offers/<int:offer_id>/withdraw/",
        institution_referral.withdraw_offer,
        name="withdraw-offer",
    ),
    path("referrals/<int:pk>/documents/<int:document_id>/", institution_referral.download, name="document"),
    path("lists/", institution_lists.lists, name="lists"),
    path("lists/<int:pk>/", institution_lists.list_detail, name="list"),
    path("lists/<int:pk>/entries/<int:entry_id>/", institution_lists.entry_detail, name="list-entry"),
    path("lists/<int:pk>/entries/<int:entry_id>/open/", institution_lists.open_entry, name="list-entry-open"),
    path(
        "lists/<int:pk>/entries/<int:entry_id>/follow-up/",
        institution_lists.follow_up,
        name="list-entry-follow-up",
    ),
    path("performance/", institution_performance.performance, name="performance"),
    path("products/", institution_products.catalogue, name="products"),
    path("products/new/", institution_products.product_new, name="product-new"),
    path("products/<int:pk>/", institution_products.product_edit, name="product"),
    path("products/export.<str:kind>", institution_products.export, name="products-export"),
    path("products/import/", institution_products.import_upload, name="products-import"),
    path("products/import/confirm/", institution_products.import_confirm, name="products-import-confirm"),
    path("team/", institution_team.team, name="team"),
    path("team/add/", institution_team.add_member, name="team-add"),
    path("team/<int:member_id>/remove/", institution_team.remove_member, name="team-remove"),
    path("team/<int:member_id>/manager/", institution_team.set_manager, name="team-manager"),
]
