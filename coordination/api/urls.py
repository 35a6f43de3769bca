from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("fields", views.TechFieldViewSet, basename="field")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("major-tasks", views.MajorTaskViewSet, basename="major-task")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("products", views.ProductViewSet, basename="product")
router.register("financing-requests", views.FinancingRequestViewSet, basename="financing-request")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("offers", views.OfferViewSet, basename="offer")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("webhooks", views.WebhookViewSet, basename="webhook")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
