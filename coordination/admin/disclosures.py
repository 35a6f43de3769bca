"""Records of who saw what and who asked to join: read-only in the console, scoped by the selectors.

A coordinator reads the disclosure log of the requests in its regions (consent is part of what it
oversees, DESIGN §1); requests to join an enterprise are its managers' and the superusers' business
(coordinators never grant memberships), so `join_requests_visible_to` gives a coordinator none."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import DisclosedData, Disclosure, EnterpriseJoinRequest
from .display import local_time
from .inlines import RequestScopedAdmin
from .scoping import ReadOnlyAdmin, ScopedAdmin


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin, RequestScopedAdmin):
    list_display = ["time", "enterprise", "institution", "request", "action", "data", "user"]
    list_filter = ["action", "institution__kind"]
    search_fields = ["request__reference", "enterprise__name", "institution__name"]
    list_select_related = ["enterprise", "institution", "request", "user"]
    fields = [
        "time",
        "enterprise",
        "request",
        "referral",
        "institution",
        "user",
        "action",
        "data",
        "document_name",
    ]
    readonly_fields = fields

    @admin.display(description=_("time (Asia/Shanghai)"), ordering="created_at")
    def time(self, obj: Disclosure) -> str:
        return local_time(obj.created_at)

    @admin.display(description=_("data disclosed"))
    def data(self, obj: Disclosure) -> str:
        labels = dict(DisclosedData.choices)
        return "; ".join(str(labels.get(category, category)) for category in obj.categories)


@admin.register(EnterpriseJoinRequest)
class EnterpriseJoinRequestAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ["asked", "enterprise", "user", "status", "decided_by", "decided"]
    list_filter = ["status"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "user__username"]
    list_select_related = ["enterprise", "user", "decided_by"]
    fields = ["enterprise", "user", "message", "status", "asked", "decided_by", "decided", "reason"]
    readonly_fields = fields

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.join_requests_visible_to(user).values("pk"))

    @admin.display(description=_("asked at (Asia/Shanghai)"), ordering="created_at")
    def asked(self, obj: EnterpriseJoinRequest) -> str:
        return local_time(obj.created_at)

    @admin.display(description=_("decided at (Asia/Shanghai)"), ordering="decided_at")
    def decided(self, obj: EnterpriseJoinRequest) -> str:
        return local_time(obj.decided_at)
