from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from projects.choices import InnovationCenter
from projects.models import Region
from projects.regions import covered_q

from ..choices import DeadlineState
from ..errors import DomainError
from ..models import (
    Deadline,
    FinancingRequest,
)
from ..services import approvals, routing
from ..services import financing_requests as request_services
from ..services.admin_queues import QUEUES, in_queue
from ..workflow.labels import action_verb
from ..workflow.tables import REQUEST_TRANSITIONS
from .action_tables import AcceptedOffer, ProposedTranche
from .forms import ActionForm, ExtendDeadlineForm, RouteForm

if TYPE_CHECKING:
    from .financing_requests import FinancingRequestAdmin


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
            action_verb(action),
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
            routing.route_request,
            "route",
            form_class=RouteForm,
            per_request=True,
            shows=lambda obj: not obj.needs_rerouting,
        ),
        RequestAction(
            "reroute",
            _("Re-route"),
            routing.route_request,
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
            approvals.approve_request,
            "approve",
            also=frozenset({"propose_approval", "confirm_approval"}),
        ),
        RequestAction(
            "cancel_approval",
            _("Cancel approval proposal"),
            approvals.cancel_approval_proposal,
            "cancel_approval",
            shows=lambda obj: obj.approval_proposed_by_id is not None,
        ),
        RequestAction(
            "accept_partial_package",
            _("Accept partial package"),
            routing.accept_partial_package,
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
    proposal: list[ProposedTranche] = field(default_factory=list)
    checkbox_name: str = ""
    accepted: list[AcceptedOffer] = field(default_factory=list)
    proposed_at: str = ""
