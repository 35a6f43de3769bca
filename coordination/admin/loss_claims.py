"""Loss claims in the console (DESIGN §10): coordinators in scope read them and act on them through pages
that ask for a reason and call the claim's service; the buttons are the engine's `available_actions`."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..errors import DomainError
from ..models import LossClaim
from ..services import loss_claims as claim_services
from ..workflow import engine
from ..workflow.labels import action_verb
from ..workflow.tables import CLAIM_TRANSITIONS
from .display import money
from .forms import ActionForm
from .request_actions import describe_error
from .scoping import ReadOnlyAdmin, ScopedAdmin


@dataclass(frozen=True)
class ClaimAction:
    """One coordinator action on a claim: the service it calls and the table rows that offer it."""

    name: str
    label: str
    service: Callable[..., LossClaim]
    rows: frozenset[str]

    def needs_reason(self) -> bool:
        return any(CLAIM_TRANSITIONS[row].reason_required for row in self.rows)

    def label_for(self, claim: LossClaim) -> str:
        if self.name != "approve" or not claim.escalated:
            return str(self.label)
        if claim.approval_proposed_by_id is None:
            return str(_("Propose approval (maker)"))
        return str(_("Confirm approval (checker)"))


CLAIM_ACTIONS: dict[str, ClaimAction] = {
    action.name: action
    for action in [
        ClaimAction(
            "approve",
            _("Approve / confirm approval"),
            claim_services.approve_claim,
            frozenset({"approve", "propose_approval", "confirm_approval"}),
        ),
        ClaimAction(
            "cancel_approval",
            _("Cancel approval proposal"),
            claim_services.cancel_claim_approval,
            frozenset({"cancel_approval"}),
        ),
        ClaimAction("reject", action_verb("reject"), claim_services.reject_claim, frozenset({"reject"})),
        ClaimAction("pay", action_verb("pay"), claim_services.pay_claim, frozenset({"pay"})),
    ]
}


@admin.register(LossClaim)
class LossClaimAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = [
        "id",
        "request",
        "institution",
        "programme",
        "loss_display",
        "amount_display",
        "status",
        "escalated",
        "defaulted_on",
        "created_at",
    ]
    list_filter = ["status", "escalated"]
    search_fields = ["request__reference", "institution__name"]
    list_select_related = ["request", "institution", "programme"]
    fields = [
        "request",
        "tranche",
        "institution",
        "programme",
        "loss_display",
        "defaulted_on",
        "note",
        "amount_display",
        "status",
        "escalated",
        "approval_proposed_by",
        "approval_proposed_at",
        "reported_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.claims_visible_to(user).values("pk"))

    def has_act_permission(self, request: HttpRequest) -> bool:
        """Model permission to use the action pages; each service still checks role and scope."""
        return request.user.has_perm("coordination.change_lossclaim")

    @admin.display(description=_("principal lost"), ordering="loss")
    def loss_display(self, obj: LossClaim) -> str:
        return money(obj.loss)

    @admin.display(description=_("claim amount"), ordering="amount")
    def amount_display(self, obj: LossClaim) -> str:
        return money(obj.amount)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/actions/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="{}_{}_object_action".format(*info),
            ),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        tools = []
        if self.has_act_permission(request):
            available = set(engine.available_actions(obj, request.user))
            tools = [
                {"label": spec.label_for(obj), "url": self._url("object_action", obj.pk, spec.name)}
                for spec in CLAIM_ACTIONS.values()
                if spec.rows & available
            ]
        extra_context = {**(extra_context or {}), "coordination_tools": tools}
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """The page of one action on one claim: a reason, then the service's verdict."""
        spec = CLAIM_ACTIONS.get(action)
        if spec is None:
            raise Http404(_("Unknown action."))
        if not (self.has_view_permission(request) and self.has_act_permission(request)):
            raise PermissionDenied
        claim = self.get_object(request, object_id)
        form = ActionForm(
            request.POST if request.method == "POST" else None, reason_required=spec.needs_reason()
        )
        if request.method == "POST" and form.is_valid():
            kwargs = form.service_kwargs()
            if key := form.cleaned_data.get("idempotency_key"):
                kwargs["idempotency_key"] = f"admin-{key}-{claim.pk}"
            try:
                result = spec.service(claim_id=claim.pk, user=request.user, **kwargs)
            except DomainError as exc:
                messages.error(request, f"{claim}: {spec.label_for(claim)} — {describe_error(exc)}")
                for field, errors in exc.fields.items():
                    if field in form.fields:
                        form.add_error(field, errors)
            else:
                messages.success(
                    request, f"{result}: {spec.label_for(claim)} — {result.get_status_display()}"
                )
                return HttpResponseRedirect(self._url("change", claim.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{spec.label_for(claim)}: {claim}",
            "claim": claim,
            "loss": money(claim.loss),
            "amount": money(claim.amount),
            "form": form,
            "label": spec.label_for(claim),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/coordination/lossclaim/action.html", context)
