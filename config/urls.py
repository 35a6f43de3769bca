from django.contrib import admin
from django.urls import include, path

from config import metrics, two_factor
from coordination import health
from coordination.views import disclosures as disclosure_views
from coordination.views import home as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/verify/", two_factor.verify, name="admin-verify"),
    path("metrics", metrics.export, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("coordination.api.urls", "api"), namespace="api")),
    # Institution workbench and the applicant's disclosure log (issue 13; DESIGN §1, §9).
    path("institution/", include("coordination.views.institution_urls")),
    path("sme/disclosures/", disclosure_views.disclosure_log, name="sme-disclosures"),
]

handler400 = "config.api.errors.bad_request"
handler403 = "config.api.errors.permission_denied"
handler404 = "config.api.errors.page_not_found"
handler500 = "config.api.errors.server_error"
