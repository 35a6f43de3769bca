from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..choices import DeadlineState, RequestStatus
from ..errors import DomainError
from ..models import (
    FinancingRequest,
    Referral,
)
from ..workflow import engine
from ..workflow.labels import event_words
from .action_tables import (
    SHOWS_ACCEPTED_OFFERS,
    accepted_offers,
    proposal_table,
)
from .display import (
    ObjectLabels,
    local_time,
    money,
    screening_html,
    transition_label,
)
from .inlines import (
    DocumentInline,
    OfferInline,
    ReferralInline,
    TimelineDeadlineInline,
    TimelineEventInline,
    TrancheInline,
)
from .request_actions import (
    REQUEST_ACTIONS,
    ActionRow,
    InnovationCenterFilter,
    QueueFilter,
    RequestAction,
    _changelist_action,
    describe_error,
    request_action,
    request_actions_offered,
)
from .scoping import ReadOnlyAdmin, ScopedAdmin


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
        return screening_html(obj.screening)

    # URLs: /<id>/actions/<name>/ (one request), /actions/<name>/ (selected ones), /<id>/timeline/,
    # /<id>/documents/<document id>/ (a document of a request in scope; any other is a 404)

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
            path(
                "<path:object_id>/documents/<int:document_id>/",
                wrap(self.document_view),
                name="{}_{}_document".format(*info),
            ),
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

    # Shown in the browser where it can show them safely; anything else is downloaded.
    INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})

    def document_view(self, request: HttpRequest, object_id: str, document_id: int) -> HttpResponse:
        """A document of a request the user may see (the same scoping as the API's download): else 404."""
        obj = self.get_object(request, object_id)
        may_read = request.user.has_perm("coordination.view_requestdocument")
        if not (may_read and self.has_view_permission(request, obj)):
            raise PermissionDenied
        document = obj.documents.filter(pk=document_id).first()
        if document is None:
            raise Http404(_("Not found."))
        return FileResponse(
            document.file.open("rb"),
            as_attachment=document.content_type not in self.INLINE_TYPES,
            filename=document.original_name,
            content_type=document.content_type,
        )

    def timeline_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, object_id)
        labels = ObjectLabels()
        entries = [
            {
                "at": event.created_at,
                "time": local_time(event.created_at),
                "kind": _("event"),
                "object": labels(obj.pk, event.object_type, event.object_id),
                "what": event_words(event.object_type, event.action),
                "detail": transition_label(event.object_type, event.from_status, event.to_status),
                "who": gettext("%(actor)s (%(role)s)")
                % {"actor": event.actor or gettext("system"), "role": event.get_actor_role_display()},
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
                "what": gettext("%(stage)s: %(kind)s")
                % {"stage": deadline.get_stage_display(), "kind": deadline.get_kind_display()},
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
        accepted = accepted_offers(objects) if spec.name in SHOWS_ACCEPTED_OFFERS else {}
        for obj in objects:
            row = ActionRow(
                obj=obj,
                label=spec.label_for(obj),
                amount=money(obj.amount, obj.currency),
                form=shared_form,
                accepted=accepted.get(obj.pk, []),
                proposed_at=local_time(obj.approval_proposed_at) if obj.approval_proposed_at else "",
            )
            if spec.per_request:
                choices, proposed, row.reports, row.proposal = proposal_table(obj)
                row.form = spec.form_class(
                    data, prefix=f"r{obj.pk}", choices=choices, proposed=proposed, **kwargs
                )
                ticked = {str(value) for value in row.form["products"].value() or []}
                for tranche_rows in row.proposal:
                    for candidate in tranche_rows.candidates:
                        candidate.checked = str(candidate.pk) in ticked
                row.checkbox_name = row.form.add_prefix("products")
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
