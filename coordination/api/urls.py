from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from config.api.errors import not_found

from . import credits, outreach, policy, views

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("fields", views.TechFieldViewSet, basename="field")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register(
    "enterprise-join-requests", views.EnterpriseJoinRequestViewSet, basename="enterprise-join-request"
)
router.register("major-tasks", views.MajorTaskViewSet, basename="major-task")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("products", views.ProductViewSet, basename="product")
router.register("financing-requests", views.FinancingRequestViewSet, basename="financing-request")
router.register("financing-packages", views.FinancingPackageViewSet, basename="financing-package")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("offers", views.OfferViewSet, basename="offer")
router.register("loss-claims", views.LossClaimViewSet, basename="loss-claim")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("webhooks", views.WebhookViewSet, basename="webhook")
router.register("innovation-credits", credits.InnovationCreditViewSet, basename="innovation-credit")
router.register("policy-programmes", policy.PolicyProgrammeViewSet, basename="policy-programme")
router.register("recommendation-lists", outreach.RecommendationListViewSet, basename="recommendation-list")
router.register("auth/tokens", views.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("evaluation/", views.EvaluationView.as_view(), name="evaluation"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up script as a file, so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Paths ending in "/" that match nothing above (ids that are not ids, unknown resources): a JSON 404.
    # Paths without the slash still reach APPEND_SLASH's redirect first.
    re_path(r"^.*/$", not_found),
]
