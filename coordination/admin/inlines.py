from django.contrib import admin
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import (
    Deadline,
    Offer,
    Referral,
    RequestDocument,
    Tranche,
    TransitionEvent,
)
from ..workflow.labels import event_words
from .display import (
    ObjectLabels,
    explanation_summary_html,
    local_time,
    money,
    offer_terms,
    percent,
    transition_label,
)
from .scoping import ScopedAdmin


class RequestScopedAdmin(ScopedAdmin):
    def scope(self, queryset: QuerySet, user) -> QuerySet:
        return queryset.filter(request__in=selectors.requests_visible_to(user).values("pk"))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    classes = ["console-readonly"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TrancheInline(ReadOnlyInline):
    model = Tranche
    fields = ["position", "instrument", "amount_display", "accepted_display", "funded_display", "funded_on"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "request", "accepted_offer__referral__request", "accepted_offer__referral__institution"
            )
        )

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Tranche) -> str:
        return money(obj.amount)

    @admin.display(description=_("funded amount"))
    def funded_display(self, obj: Tranche) -> str:
        return money(obj.funded_amount)

    @admin.display(description=_("accepted offer"))
    def accepted_display(self, obj: Tranche) -> str:
        offer = obj.accepted_offer
        if offer is None:
            return "—"
        return f"{offer.referral.institution} · {money(offer.amount)} · {percent(offer.annual_rate)}"


class ReferralInline(ReadOnlyInline):
    model = Referral
    fk_name = "request"
    fields = [
        "tranche_display",
        "institution",
        "product",
        "status",
        "score",
        "explanation_display",
        "decline_display",
        "overdue",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("request", "tranche", "institution", "product__institution")
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=selectors.referrals_visible_to(request.user).values("pk"))

    @admin.display(description=_("tranche"))
    def tranche_display(self, obj: Referral) -> str:
        return f"{obj.tranche.position} · {obj.tranche.get_instrument_display()}"

    @admin.display(description=_("match explanation (top factors)"))
    def explanation_display(self, obj: Referral) -> str:
        return explanation_summary_html(obj.explanation)

    @admin.display(description=_("decline"))
    def decline_display(self, obj: Referral) -> str:
        if not obj.decline_reason:
            return "—"
        return " — ".join(filter(None, [obj.get_decline_reason_display(), obj.decline_note]))


class OfferInline(ReadOnlyInline):
    model = Offer
    fk_name = "request"
    fields = [
        "tranche_display",
        "institution",
        "status",
        "amount_display",
        "rate_display",
        "term_months",
        "terms_display",
        "valid_until",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("tranche", "referral__request", "referral__institution")
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=selectors.offers_visible_to(request.user).values("pk"))

    @admin.display(description=_("tranche"))
    def tranche_display(self, obj: Offer) -> str:
        return f"{obj.tranche.position} · {obj.tranche.get_instrument_display()}"

    @admin.display(description=_("institution"))
    def institution(self, obj: Offer) -> str:
        return str(obj.referral.institution)

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Offer) -> str:
        return money(obj.amount)

    @admin.display(description=_("annual rate / premium rate / fee"))
    def rate_display(self, obj: Offer) -> str:
        return percent(obj.annual_rate)

    @admin.display(description=_("terms"))
    def terms_display(self, obj: Offer) -> str:
        return format_html_join("", "<div>{}: {}</div>", offer_terms(obj)) or "—"


class DocumentInline(ReadOnlyInline):
    model = RequestDocument
    # Never the media URL: the link opens the scoped document view (FinancingRequestAdmin.document_view).
    fields = ["kind", "document_link", "content_type", "size_display", "uploaded_by", "uploaded"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("document"))
    def document_link(self, obj: RequestDocument) -> str:
        url = reverse("admin:coordination_financingrequest_document", args=[obj.request_id, obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, obj.original_name)

    @admin.display(description=_("size"))
    def size_display(self, obj: RequestDocument) -> str:
        return filesizeformat(obj.size)

    @admin.display(description=_("uploaded at (Asia/Shanghai)"))
    def uploaded(self, obj: RequestDocument) -> str:
        return local_time(obj.uploaded_at)


class TimelineEventInline(ReadOnlyInline):
    model = TransitionEvent
    verbose_name = _("timeline event")
    verbose_name_plural = _("timeline: events")
    fields = ["time", "object", "what", "transition", "actor", "actor_role", "reason"]
    readonly_fields = fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = ObjectLabels()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("time (Asia/Shanghai)"))
    def time(self, obj: TransitionEvent) -> str:
        return local_time(obj.created_at)

    @admin.display(description=_("object"))
    def object(self, obj: TransitionEvent) -> str:
        return self.labels(obj.request_id, obj.object_type, obj.object_id)

    @admin.display(description=_("what happened"))
    def what(self, obj: TransitionEvent) -> str:
        return event_words(obj.object_type, obj.action)

    @admin.display(description=_("from → to"))
    def transition(self, obj: TransitionEvent) -> str:
        return transition_label(obj.object_type, obj.from_status, obj.to_status)


class TimelineDeadlineInline(ReadOnlyInline):
    model = Deadline
    verbose_name = _("timeline deadline")
    verbose_name_plural = _("timeline: deadlines")
    fields = ["object", "stage", "kind", "due", "state", "fired"]
    readonly_fields = fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = ObjectLabels()

    @admin.display(description=_("object"))
    def object(self, obj: Deadline) -> str:
        return self.labels(obj.request_id, obj.object_type, obj.object_id)

    @admin.display(description=_("due at (Asia/Shanghai)"))
    def due(self, obj: Deadline) -> str:
        return local_time(obj.due_at)

    @admin.display(description=_("fired at"))
    def fired(self, obj: Deadline) -> str:
        return local_time(obj.fired_at)
