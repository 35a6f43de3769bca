from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import (
    Offer,
    Referral,
)
from .display import explanation_html, money, offer_terms, percent
from .scoping import ReadOnlyAdmin, ScopedAdmin


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Status is never editable here; the institution's internal note is not shown to coordinators."""

    list_display = [
        "request",
        "tranche",
        "institution",
        "product",
        "status",
        "score",
        "overdue",
        "created_at",
    ]
    list_filter = ["status", "institution__kind", "overdue", "decline_reason"]
    search_fields = ["request__reference", "institution__name", "product__name"]
    list_select_related = ["request", "tranche", "institution", "product__institution"]
    fields = [
        "request",
        "tranche",
        "institution",
        "product",
        "status",
        "score",
        "explanation_display",
        "decline_reason",
        "decline_note",
        "info_request",
        "overdue",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.referrals_visible_to(user).values("pk"))

    @admin.display(description=_("match explanation"))
    def explanation_display(self, obj: Referral) -> str:
        return explanation_html(obj.explanation)


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = [
        "request",
        "tranche",
        "institution",
        "status",
        "amount_display",
        "valid_until",
        "created_at",
    ]
    list_filter = ["status", "referral__institution__kind"]
    search_fields = ["request__reference", "referral__institution__name"]
    list_select_related = ["request", "tranche__request", "referral__institution"]
    fields = [
        "request",
        "tranche",
        "referral",
        "status",
        "amount_display",
        "rate_display",
        "term_months",
        "terms_display",
        "valid_until",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.offers_visible_to(user).values("pk"))

    @admin.display(description=_("institution"), ordering="referral__institution__name")
    def institution(self, obj: Offer) -> str:
        return str(obj.referral.institution)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Offer) -> str:
        return money(obj.amount)

    @admin.display(description=_("annual rate / premium rate / fee"))
    def rate_display(self, obj: Offer) -> str:
        return percent(obj.annual_rate)

    @admin.display(description=_("terms"))
    def terms_display(self, obj: Offer) -> str:
        return format_html_join("", "<div>{}: {}</div>", offer_terms(obj)) or "—"
