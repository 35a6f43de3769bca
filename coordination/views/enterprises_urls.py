"""/sme/enterprises/ (namespace "enterprises"): registering, joining and the enterprise's page."""

from django.urls import path

from . import enterprises

app_name = "enterprises"

urlpatterns = [
    path("new/", enterprises.new, name="new"),
    path("credit-code-check/", enterprises.credit_code_feedback, name="credit-code-check"),
    path("<int:enterprise_id>/", enterprises.detail, name="detail"),
    path("<int:enterprise_id>/financials/add/", enterprises.financials_add, name="financials-add"),
    path("<int:enterprise_id>/financials/<int:year>/", enterprises.financials_edit, name="financials-edit"),
    path(
        "<int:enterprise_id>/recommendation-consent/",
        enterprises.recommendation_consent,
        name="recommendation-consent",
    ),
    path(
        "<int:enterprise_id>/join-requests/<int:join_request_id>/decide/",
        enterprises.decide,
        name="decide-join-request",
    ),
]
