"""The coordinators' admin: scoped, read-only records, and actions that call the workflow services.

Nothing here assigns a status or decides whether an action is allowed: every action collects what its
service needs (a reason, products, business days), calls that service, and reports the service's
verdict. The transition table is only read to choose which buttons to show.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from projects.choices import InnovationCenter
from projects.models import Region
from projects.regions import covered_q

from . import selectors
from .admin_forms import ActionForm, ExtendDeadlineForm, RouteForm
from .admin_scoping import GrantAdmin, ReadOnlyAdmin, ReferenceDataAdmin, ScopedAdmin
from .choices import DeadlineState, RequestStatus
from .errors import DomainError
from .matching.proposal import proposal_for_coordinator
from .models import (
    CoordinatorScope,
    Deadline,
    FinancingRequest,
    Holiday,
    Offer,
    OutboxMessage,
    Referral,
    RequestDocument,
    ServiceLevel,
    Tranche,
    TransitionEvent,
)
from .services import financing_requests as request_services
from .services.admin_queues import QUEUES, in_queue
from .workflow import engine
from .workflow.business_days import SHANGHAI
from .workflow.tables import REQUEST_TRANSITIONS

# --- display helpers -------------------------------------------------------------------------------


def local_time(value: datetime | None) -> str:
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else "—"


def money(amount: Decimal | None, currency: str = "CNY") -> str:
    """Yuan with the 万元 figure users expect: 3,000,000.00 CNY (300 万元)."""
    if amount is None:
        return "—"
    wan = f"{amount / 10000:,.2f}".rstrip("0").rstrip(".")
    return f"{amount:,.2f} {currency} ({wan} 万元)"


def explain_lines(items) -> list[str]:
    """A match explanation as one readable line per factor.

    The matcher stores one dict per factor ({"factor", "label", "value", "weight", "points", "text"}):
    a line reads "Amount fit +10.48 — 3,000,000 yuan within the product's range". Anything else
    stored there is shown as it is.
    """
    lines = []
    for item in items if isinstance(items, list) else [items] if items else []:
        if not isinstance(item, dict):
            lines.append(str(item))
            continue
        label = item.get("label") or item.get("factor")
        if label is None:
            lines.append(", ".join(f"{k}: {v}" for k, v in item.items()))
            continue
        line = str(label)
        if item.get("points") is not None:
            line += f" +{item['points']}"
        if item.get("text"):
            line += f" — {item['text']}"
        lines.append(line)
    return lines


def explanation_html(items) -> str:
    lines = explain_lines(items) or ["—"]
    return format_html_join("", "<div>{}</div>", ((line,) for line in lines))


def pretty_json(value) -> str:
    if not value:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2, default=str))


def transition_label(from_status: str, to_status: str) -> str:
    return f"{from_status or '∅'} → {to_status}"


class ObjectLabels:
    """“referral #12 · Bank X” for events and deadlines of one request, looked up once per request."""

    def __init__(self):
        self._cache: dict[int, dict[tuple[str, int], str]] = {}

    def __call__(self, request_id: int, object_type: str, object_id: int) -> str:
        if object_type == "financing_request":
            return str(_("request"))
        if request_id not in self._cache:
            labels = {
                ("referral", r.pk): f"referral #{r.pk} · {r.institution}"
                for r in Referral.objects.filter(request_id=request_id).select_related("institution")
            }
            labels.update(
                {
                    ("offer", o.pk): f"offer #{o.pk} · {o.referral.institution}"
                    for o in Offer.objects.filter(request_id=request_id).select_related(
                        "referral__institution"
                    )
                }
            )
            self._cache[request_id] = labels
        return self._cache[request_id].get((object_type, object_id), f"{object_type} #{object_id}")


# --- scoping and read-only building blocks ---------------------------------------------------------


class RequestScopedAdmin(ScopedAdmin):
    def scope(self, queryset: QuerySet, user) -> QuerySet:
        return queryset.filter(request__in=selectors.requests_visible_to(user).values("pk"))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- financing requests: inlines -------------------------------------------------------------------


class TrancheInline(ReadOnlyInline):
    model = Tranche
    fields = ["position", "instrument", "amount_display", "accepted_offer", "funded_display", "funded_on"]
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

    @admin.display(description=_("match explanation"))
    def explanation_display(self, obj: Referral) -> str:
        return explanation_html(obj.explanation)

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
        "annual_rate",
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

    @admin.display(description=_("terms"))
    def terms_display(self, obj: Offer) -> str:
        return ", ".join(f"{k}: {v}" for k, v in obj.terms.items()) or "—"


class DocumentInline(ReadOnlyInline):
    model = RequestDocument
    # The file itself is not linked: downloads go through the scoped download view, not the media URL.
    fields = ["kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class TimelineEventInline(ReadOnlyInline):
    model = TransitionEvent
    verbose_name = _("timeline event")
    verbose_name_plural = _("timeline: events")
    fields = ["time", "object", "action", "transition", "actor", "actor_role", "reason"]
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

    @admin.display(description=_("from → to"))
    def transition(self, obj: TransitionEvent) -> str:
        return transition_label(obj.from_status, obj.to_status)


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


# --- financing requests: queues and filters --------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return list(QUEUES.items())

    def queryset(self, request, queryset):
        return in_queue(queryset, self.value()) if self.value() in QUEUES else queryset


class InnovationCenterFilter(admin.SimpleListFilter):
    """The enterprise's region or any region above it belongs to the centre (districts inherit it)."""

    title = _("international innovation centre")
    parameter_name = "innovation_center"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label in InnovationCenter.choices if value]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        centres = Region.objects.filter(innovation_center=self.value())
        return queryset.filter(covered_q("enterprise__region__code", centres))


# --- financing requests: actions -------------------------------------------------------------------


def _has_pending_deadline(obj: FinancingRequest) -> bool:
    return Deadline.objects.filter(
        object_type="financing_request", object_id=obj.pk, state=DeadlineState.PENDING
    ).exists()


@dataclass(frozen=True)
class RequestAction:
    """One coordinator action: its form, the service it calls, and the table row that says when it shows."""

    name: str
    label: str
    service: Callable[..., FinancingRequest]
    transition: str | None
    form_class: type[ActionForm] = ActionForm
    per_request: bool = False
    reason_required: bool | None = None
    shows: Callable[[FinancingRequest], bool] = lambda obj: True
    also: frozenset[str] = frozenset()  # further table actions this one button takes (maker-checker)

    def needs_reason(self) -> bool:
        if self.reason_required is not None:
            return self.reason_required
        return REQUEST_TRANSITIONS[self.transition].reason_required

    def offered(self, obj: FinancingRequest, available: list[str]) -> bool:
        """Shown when the engine offers its transition (`engine.available_actions`) and its own view fits."""
        in_table = self.transition is None or bool({self.transition, *self.also} & set(available))
        return in_table and self.shows(obj)

    @classmethod
    def plain(cls, action: str) -> "RequestAction":
        """A table row without a use case of its own: the transition itself, with a reason if it needs one."""
        return cls(
            action,
            action.replace("_", " ").capitalize(),
            partial(request_services.take_action, action=action),
            action,
        )

    def label_for(self, obj: FinancingRequest) -> str:
        if self.name != "approve" or not obj.escalated:
            return str(self.label)
        if obj.approval_proposed_by_id is None:
            return str(_("Propose approval (maker)"))
        return str(_("Confirm approval (checker)"))


REQUEST_ACTIONS: dict[str, RequestAction] = {
    action.name: action
    for action in [
        RequestAction(
            "route",
            _("Route to chosen products"),
            request_services.route_request,
            "route",
            form_class=RouteForm,
            per_request=True,
            shows=lambda obj: not obj.needs_rerouting,
        ),
        RequestAction(
            "reroute",
            _("Re-route"),
            request_services.route_request,
            "route",
            form_class=RouteForm,
            per_request=True,
            shows=lambda obj: obj.needs_rerouting,
        ),
        RequestAction(
            "request_info", _("Request information"), request_services.request_information, "request_info"
        ),
        RequestAction("reject", _("Reject"), request_services.reject_request, "reject"),
        RequestAction(
            "approve",
            _("Approve / confirm approval"),
            request_services.approve_request,
            "approve",
            also=frozenset({"propose_approval", "confirm_approval"}),
        ),
        RequestAction(
            "cancel_approval",
            _("Cancel approval proposal"),
            request_services.cancel_approval_proposal,
            "cancel_approval",
            shows=lambda obj: obj.approval_proposed_by_id is not None,
        ),
        RequestAction(
            "accept_partial_package",
            _("Accept partial package"),
            request_services.accept_partial_package,
            "accept_partial_package",
        ),
        RequestAction(
            "extend_deadline",
            _("Extend deadline"),
            request_services.extend_request_deadline,
            None,
            form_class=ExtendDeadlineForm,
            reason_required=True,  # the service refuses an extension without one
            shows=_has_pending_deadline,
        ),
        RequestAction("close", _("Close"), request_services.close_request, "close"),
    ]
}


def request_actions_offered(obj: FinancingRequest, available: list[str]) -> list[RequestAction]:
    """The admin's buttons for what the engine offers: its own actions, then any other table row plainly."""
    own = [spec for spec in REQUEST_ACTIONS.values() if spec.offered(obj, available)]
    covered = {name for spec in REQUEST_ACTIONS.values() for name in {spec.transition, *spec.also}}
    return own + [RequestAction.plain(action) for action in available if action not in covered]


def request_action(name: str) -> RequestAction | None:
    if name in REQUEST_ACTIONS:
        return REQUEST_ACTIONS[name]
    return RequestAction.plain(name) if name in REQUEST_TRANSITIONS else None


def describe_error(exc: DomainError) -> str:
    details = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in exc.fields.items())
    return f"{exc.message} ({details})" if details else exc.message


def _changelist_action(spec: RequestAction):
    def run(modeladmin: "FinancingRequestAdmin", request: HttpRequest, queryset: QuerySet):
        return modeladmin.action_page(request, spec, list(queryset), next_url=request.get_full_path())

    run.__name__ = f"act_{spec.name}"
    return admin.action(description=spec.label, permissions=["act"])(run)


@dataclass
class ActionRow:
    obj: FinancingRequest
    label: str
    amount: str = ""
    form: ActionForm | None = None
    tranches: list | None = None
    reports: list[str] = field(default_factory=list)


# --- financing requests: the admin -----------------------------------------------------------------


@admin.register(FinancingRequest)
class FinancingRequestAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = [
        "reference",
        "enterprise",
        "region",
        "amount_display",
        "status",
        "escalated",
        "overdue",
        "needs_rerouting",
        "created_at",
    ]
    list_filter = [QueueFilter, "status", InnovationCenterFilter, "escalated"]
    search_fields = ["reference", "enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise__region"]
    actions = [_changelist_action(spec) for spec in REQUEST_ACTIONS.values()]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "enterprise",
                    "region",
                    "major_task",
                    "purpose",
                    "amount_display",
                    "term_months",
                    "needed_by",
                ]
            },
        ),
        (
            _("Workflow"),
            {
                "fields": [
                    "status",
                    "escalated",
                    "needs_rerouting",
                    "overdue",
                    "info_request",
                    "approval_proposed_by",
                    "approval_proposed_at",
                    "partial_package_reason",
                ]
            },
        ),
        (_("Screening"), {"fields": ["screening_display"]}),
        (_("Record"), {"fields": ["created_by", "created_at", "submitted_at", "updated_at"]}),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]
    inlines = [
        TrancheInline,
        ReferralInline,
        OfferInline,
        DocumentInline,
        TimelineEventInline,
        TimelineDeadlineInline,
    ]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.requests_visible_to(user).values("pk"))

    def has_act_permission(self, request: HttpRequest) -> bool:
        """Model permission to use the actions at all; each service still checks role and scope."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.display(description=_("region"), ordering="enterprise__region__code")
    def region(self, obj: FinancingRequest) -> str:
        return str(obj.enterprise.region)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: FinancingRequest) -> str:
        return money(obj.amount, obj.currency)

    @admin.display(description=_("screening result"))
    def screening_display(self, obj: FinancingRequest) -> str:
        return pretty_json(obj.screening)

    # URLs: /<id>/actions/<name>/ (one request), /actions/<name>/ (selected ones), /<id>/timeline/

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("actions/<str:action>/", wrap(self.action_view), name="{}_{}_action".format(*info)),
            path(
                "<path:object_id>/actions/<str:action>/",
                wrap(self.action_view),
                name="{}_{}_object_action".format(*info),
            ),
            path("<path:object_id>/timeline/", wrap(self.timeline_view), name="{}_{}_timeline".format(*info)),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        tools = [{"label": _("Timeline"), "url": self._url("timeline", obj.pk)}]
        if self.has_act_permission(request):
            tools += [
                {"label": spec.label_for(obj), "url": self._url("object_action", obj.pk, spec.name)}
                for spec in request_actions_offered(obj, engine.available_actions(obj, request.user))
            ]
        extra_context = {**(extra_context or {}), "coordination_tools": tools}
        return super().change_view(request, object_id, form_url, extra_context)

    def timeline_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, object_id)
        labels = ObjectLabels()
        entries = [
            {
                "at": event.created_at,
                "time": local_time(event.created_at),
                "kind": _("event"),
                "object": labels(obj.pk, event.object_type, event.object_id),
                "what": event.action,
                "detail": transition_label(event.from_status, event.to_status),
                "who": f"{event.actor or _('system')} ({event.get_actor_role_display()})",
                "reason": event.reason,
            }
            for event in obj.events.select_related("actor")
        ]
        entries += [
            {
                "at": deadline.due_at,
                "time": local_time(deadline.due_at),
                "kind": _("deadline"),
                "object": labels(obj.pk, deadline.object_type, deadline.object_id),
                "what": f"{deadline.get_stage_display()}: {deadline.get_kind_display()}",
                "detail": deadline.get_state_display(),
                "who": "",
                "reason": "",
                "pending": deadline.state == DeadlineState.PENDING,
            }
            for deadline in obj.deadlines.all()
        ]
        entries.sort(key=lambda entry: entry["at"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": _("Timeline of %(reference)s") % {"reference": obj.reference},
            "entries": entries,
        }
        return TemplateResponse(request, "admin/coordination/financingrequest/timeline.html", context)

    def action_view(self, request: HttpRequest, action: str, object_id: str | None = None) -> HttpResponse:
        spec = request_action(action)
        if spec is None:
            raise Http404(_("Unknown action."))
        if not (self.has_view_permission(request) and self.has_act_permission(request)):
            raise PermissionDenied
        if object_id is not None:
            objects = [self.get_object(request, object_id)]
        else:
            raw = request.POST.get("ids") or request.GET.get("ids") or ""
            try:
                ids = {int(pk) for pk in raw.split(",") if pk.strip()}
            except ValueError:
                raise Http404(_("Not found.")) from None
            objects = list(self.get_queryset(request).filter(pk__in=ids))
            if not ids or len(objects) != len(ids):
                raise Http404(_("Not found."))
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        return self.action_page(request, spec, objects, next_url=next_url, bound=request.method == "POST")

    def action_page(
        self,
        request: HttpRequest,
        spec: RequestAction,
        objects: list[FinancingRequest],
        *,
        next_url: str = "",
        bound: bool = False,
    ) -> HttpResponse:
        """The intermediate page of an action; on a valid POST, the service per request, each reported."""
        data = request.POST if bound else None
        kwargs = {"reason_required": spec.needs_reason()}
        shared_form = None if spec.per_request else spec.form_class(data, **kwargs)
        rows = []
        for obj in objects:
            row = ActionRow(
                obj=obj, label=spec.label_for(obj), amount=money(obj.amount, obj.currency), form=shared_form
            )
            if spec.per_request:
                choices, proposed, row.reports = self._proposal(obj)
                row.form = spec.form_class(
                    data, prefix=f"r{obj.pk}", choices=choices, proposed=proposed, **kwargs
                )
                referrals = Prefetch("referrals", queryset=Referral.objects.select_related("institution"))
                tranches = obj.tranches.prefetch_related(referrals)
                row.tranches = [
                    (tranche, money(tranche.amount), list(tranche.referrals.all())) for tranche in tranches
                ]
            rows.append(row)
        if bound and all(row.form.is_valid() for row in rows):
            failed = self._apply(request, spec, rows)
            if not failed or len(rows) > 1:
                return HttpResponseRedirect(self._next(request, next_url, objects))
            row, exc = failed[0]
            for field, errors in exc.fields.items():
                if field in row.form.fields:
                    row.form.add_error(field, errors)
        if not next_url:
            next_url = self._next(request, "", objects)
        ids = ",".join(str(obj.pk) for obj in objects)
        form_url = self._url("action", spec.name)
        media = self.media
        for row in rows:
            media += row.form.media
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": spec.label if len(rows) > 1 else f"{rows[0].label}: {rows[0].obj.reference}",
            "spec": spec,
            "rows": rows,
            "shared_form": shared_form,
            "ids": ids,
            "next": next_url,
            "form_url": form_url,
            "media": media,
        }
        return TemplateResponse(request, "admin/coordination/financingrequest/action.html", context)

    def _apply(self, request: HttpRequest, spec: RequestAction, rows: list[ActionRow]) -> list:
        failed = []
        for row in rows:
            kwargs = row.form.service_kwargs()
            key = row.form.cleaned_data.get("idempotency_key")
            if key:
                kwargs["idempotency_key"] = f"admin-{key}-{row.obj.pk}"
            try:
                result = spec.service(request_id=row.obj.pk, user=request.user, **kwargs)
            except DomainError as exc:
                failed.append((row, exc))
                messages.error(request, f"{row.obj.reference}: {row.label} — {describe_error(exc)}")
                continue
            status = result.get_status_display()
            if result.status == RequestStatus.OFFER_ACCEPTED and result.approval_proposed_by_id:
                status = _("approval proposed; a second national coordinator must confirm it")
            messages.success(request, f"{result.reference}: {row.label} — {status}")
        return failed

    def _next(self, request: HttpRequest, next_url: str, objects: list[FinancingRequest]) -> str:
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return next_url
        if len(objects) == 1:
            return self._url("change", objects[0].pk)
        return self._url("changelist")

    @staticmethod
    def _proposal(obj: FinancingRequest) -> tuple[list[tuple[int, str]], list[int], list[str]]:
        """The matcher's run for the coordinator: every eligible product (one checkbox each, naming the
        tranches it would take), the proposed ones to pre-check, and why a tranche gets nobody new."""
        if obj.status not in REQUEST_TRANSITIONS["route"].sources:
            return [], [], []
        proposal = proposal_for_coordinator(obj)
        found: dict[int, list] = {}
        for tranche_proposal in proposal.tranches:
            tranche = tranche_proposal.tranche
            for candidate in tranche_proposal.candidates:
                entry = found.setdefault(candidate.product.pk, [candidate, [], False])
                entry[1].append(f"{tranche.position} {tranche.get_instrument_display()}")
                entry[2] = entry[2] or candidate.selected
        choices = [
            (
                pk,
                format_html(
                    "{} (#{}) — {} {} — {} {}{}<br><small>{}</small>",
                    candidate.product,
                    pk,
                    _("tranche"),
                    ", ".join(tranches),
                    _("score"),
                    candidate.score,
                    f" — {candidate.note}" if candidate.note else "",
                    format_html_join(
                        mark_safe("<br>"), "{}", ((line,) for line in explain_lines(candidate.explanation))
                    ),
                ),
            )
            for pk, (candidate, tranches, _selected) in found.items()
        ]
        proposed = [pk for pk, (_candidate, _tranches, selected) in found.items() if selected]
        reports = [t.report for t in proposal.tranches if t.report]
        return choices, proposed, reports


# --- other records: read-only, scoped ---------------------------------------------------------------


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
        "annual_rate",
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

    @admin.display(description=_("terms"))
    def terms_display(self, obj: Offer) -> str:
        return pretty_json(obj.terms)


@admin.register(TransitionEvent)
class TransitionEventAdmin(ReadOnlyAdmin, RequestScopedAdmin):
    list_display = ["time", "request", "object", "action", "transition", "actor", "actor_role", "reason"]
    list_filter = ["action", "object_type", "actor_role"]
    search_fields = ["request__reference"]
    list_select_related = ["request", "actor"]
    fields = [
        "request",
        "object_type",
        "object_id",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "reason",
        "data_display",
        "idempotency_key",
        "time",
    ]
    readonly_fields = fields

    @admin.display(description=_("time (Asia/Shanghai)"), ordering="created_at")
    def time(self, obj: TransitionEvent) -> str:
        return local_time(obj.created_at)

    @admin.display(description=_("object"))
    def object(self, obj: TransitionEvent) -> str:
        return f"{obj.object_type} #{obj.object_id}"

    @admin.display(description=_("from → to"))
    def transition(self, obj: TransitionEvent) -> str:
        return transition_label(obj.from_status, obj.to_status)

    @admin.display(description=_("data"))
    def data_display(self, obj: TransitionEvent) -> str:
        return pretty_json(obj.data)


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin, RequestScopedAdmin):
    list_display = ["request", "object", "stage", "kind", "due", "state", "fired"]
    list_filter = ["state", "kind", "stage"]
    search_fields = ["request__reference"]
    list_select_related = ["request"]
    fields = ["request", "object", "stage", "kind", "due", "state", "fired", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("object"))
    def object(self, obj: Deadline) -> str:
        return f"{obj.object_type} #{obj.object_id}"

    @admin.display(description=_("due at (Asia/Shanghai)"), ordering="due_at")
    def due(self, obj: Deadline) -> str:
        return local_time(obj.due_at)

    @admin.display(description=_("fired at"), ordering="fired_at")
    def fired(self, obj: Deadline) -> str:
        return local_time(obj.fired_at)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin, RequestScopedAdmin):
    list_display = ["topic", "request", "state", "attempts", "next_attempt_at", "created_at", "sent_at"]
    list_filter = ["state"]
    search_fields = ["topic", "request__reference"]
    list_select_related = ["request"]
    fields = [
        "topic",
        "request",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "payload_display",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("payload"))
    def payload_display(self, obj: OutboxMessage) -> str:
        return pretty_json(obj.payload)


# --- configuration: read by staff, changed by those holding the model permission ---------------------


@admin.register(ServiceLevel)
class ServiceLevelAdmin(ReferenceDataAdmin):
    """Everyone reads the service levels; a coordinator sets those of its own regions (the defaults
    without a region are a national coordinator's), a superuser any."""

    list_display = ["stage", "region", "business_days", "remind_days_before"]
    list_filter = ["stage"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]

    def _governs(self, request: HttpRequest, obj: ServiceLevel | None) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return selectors.coordinator_scope(request.user) is not None
        return selectors.governs_region(request.user, obj.region)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and self._governs(request, None)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._governs(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._governs(request, obj)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "region" and not request.user.is_superuser:
            kwargs["queryset"] = selectors.regions_governed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "region" in form.base_fields and not request.user.is_superuser:
            form.base_fields["region"].required = not selectors.governs_region(request.user, None)
        return form


@admin.register(Holiday)
class HolidayAdmin(ReferenceDataAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


# --- grants: superusers only ------------------------------------------------------------------------


@admin.register(CoordinatorScope)
class CoordinatorScopeAdmin(GrantAdmin):
    """Granted by a superuser (DESIGN.md §1); a coordinator reads its own scope and its history here."""

    list_display = ["user", "national"]
    list_filter = ["national"]
    search_fields = ["user__username"]
    filter_horizontal = ["regions"]
    autocomplete_fields = ["user"]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.coordinator_scopes_visible_to(user).values("pk"))


from . import admin_notifications  # noqa: E402,F401  (registers the delivery-side admins)
