from django.contrib import admin
from django.urls import include, path

from config import metrics
from coordination import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.export, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("coordination.api.urls", "api"), namespace="api")),
]
