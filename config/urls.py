from django.contrib import admin
from django.urls import include, path

from config import metrics, two_factor
from coordination import health
from coordination.views import disclosures as disclosure_views
from coordination.views import home as home_views
from coordination.views import language

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/verify/", two_factor.verify, name="admin-verify"),
    path("metrics", metrics.export, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("coordination.api.urls", "api"), namespace="api")),
    # The pages (DESIGN.md §9).
    path("accounts/", include("coordination.views.accounts_urls")),
    path("sme/", include("coordination.views.sme_urls")),
    # Django's set_language at its usual address (contract: /i18n/setlang/, what django.conf.urls.i18n
    # mounts), wrapped to keep a signed-in user's choice.
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("inbox/", include("coordination.views.inbox_urls")),
    # Enterprise onboarding pages (DESIGN.md §9): /sme/enterprises/new/ and /sme/enterprises/<id>/.
    path("sme/enterprises/", include("coordination.views.enterprises_urls")),
    # Institution workbench and the applicant's disclosure log (issue 13; DESIGN §1, §9).
    path("institution/", include("coordination.views.institution_urls")),
    path("sme/disclosures/", disclosure_views.disclosure_log, name="sme-disclosures"),
    # Summary evaluation for coordinators (DESIGN §9, §11).
    path("evaluation/", include("coordination.views.evaluation_urls")),
    # Policy simulations for coordinators (DESIGN §10 "Incremental policy").
    path("policies/simulations/", include("coordination.views.simulations_urls")),
]

handler400 = "config.api.errors.bad_request"
handler403 = "config.api.errors.permission_denied"
handler404 = "config.api.errors.page_not_found"
handler500 = "config.api.errors.server_error"
