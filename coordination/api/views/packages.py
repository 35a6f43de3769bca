"""Major tasks' financing (GET /major-tasks/{id}/financing/) and their packages (/financing-packages/):
DESIGN §14. Thin: scoping through the selectors, figures from coordination/evaluation, writes through the
package services."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ... import selectors
from ...evaluation.major_tasks import DEFINITIONS, TaskFinancing, task_financing
from ...models import FinancingPackage
from ...services import packages as package_services
from ...workflow.business_days import SHANGHAI
from .. import serializers as s
from ..base import GenericViewSet, NewestFirstCursor
from ..schema import READ_ERRORS, WRITE_ERRORS
from .common import validated


def _amounts(amounts) -> dict:
    return {name: getattr(amounts, name) for name in ("requested", "offered", "accepted", "funded")}


def financing_payload(financing: TaskFinancing) -> dict:
    task = financing.task
    return {
        "major_task": task.pk,
        "code": task.code,
        "budget": task.budget,
        "fiscal_funding": task.fiscal_funding,
        "financing_gap": task.financing_gap,
        "remaining_gap": financing.remaining_gap,
        "closed_share": financing.closed_share,
        "totals": _amounts(financing.totals),
        "by_instrument": [{"instrument": code, **_amounts(a)} for code, a in financing.by_instrument],
        "by_institution": [
            {"institution": i.pk, "institution_name": i.name, **_amounts(a)}
            for i, a in financing.by_institution
        ],
        "timeline": [
            {"month": p.month, "funded": p.funded, "remaining": p.remaining} for p in financing.timeline
        ],
        "definitions": {code: str(text) for code, text in DEFINITIONS.items()},
    }


TASK_FINANCING = extend_schema(
    responses={200: s.TaskFinancingSerializer, **READ_ERRORS},
    description="The task's financing against its budget, fiscal funding and financing gap: requested, "
    "offered, accepted and funded amounts by instrument and by institution, and the remaining gap at each "
    "month's end (Asia/Shanghai), computed from the task's requests, offers and fundings.\n\n"
    "**Who:** coordinators — national for every task, regional for tasks whose lead enterprise is in their "
    "regions. Anybody else: 404.",
)


def task_financing_response(request, pk) -> Response:
    task = get_object_or_404(selectors.financing_tasks_visible_to(request.user), pk=pk)
    financing = task_financing(task, today=timezone.localdate(timezone=SHANGHAI))
    return Response(s.TaskFinancingSerializer(financing_payload(financing)).data)


def _package_action(name: str, serializer_class, service, *, what: str, fields: dict | None = None):
    def view(self, request, pk=None):
        data = validated(serializer_class, request) if serializer_class else {}
        package = self.get_object()
        kwargs = {key: data[source] for key, source in (fields or {}).items()}
        changed = service(user=request.user, package_id=package.pk, **kwargs)
        return Response(
            s.FinancingPackageSerializer(self.reload(changed.pk), context={"request": request}).data
        )

    view.__name__ = name
    return extend_schema(
        request=serializer_class,
        responses={200: s.FinancingPackageSerializer, **WRITE_ERRORS},
        description=what,
    )(action(detail=True, methods=["post"])(view))


@extend_schema_view(
    list=extend_schema(
        responses={200: s.FinancingPackageSerializer(many=True), **READ_ERRORS},
        description="Packages of major tasks: a coordinator's for the tasks in its scope (drafts included); "
        "the packages proposed to enterprises the caller manages as a task's lead enterprise.",
    ),
    retrieve=extend_schema(responses={200: s.FinancingPackageSerializer, **READ_ERRORS}),
)
class FinancingPackageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = FinancingPackage.objects.none()
    serializer_class = s.FinancingPackageSerializer
    filterset_fields = ["status", "major_task"]
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        return selectors.package_details(selectors.packages_visible_to(self.request.user))

    def reload(self, pk):
        return self.get_queryset().get(pk=pk)

    @extend_schema(
        request=s.FinancingPackageCreateSerializer,
        responses={201: s.FinancingPackageSerializer, **WRITE_ERRORS},
        description="Draft a package for a major task in your scope: tranches (instrument, amount in yuan, "
        "term in months) and the institutions invited to cover each; together at most the task's financing "
        "gap. Then `propose` it to the task's lead enterprise, which submits it as its request.\n\n"
        "**Who:** coordinators (others: 403).",
    )
    def create(self, request):
        data = validated(s.FinancingPackageCreateSerializer, request)
        package = package_services.create_package(
            user=request.user,
            major_task_id=data["major_task"],
            purpose=data["purpose"],
            tranches=[
                package_services.PackageTrancheInput(
                    t["instrument"], t["amount"], t["term_months"], list(t["institutions"])
                )
                for t in data["tranches"]
            ],
        )
        return Response(
            s.FinancingPackageSerializer(self.reload(package.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    propose = _package_action(
        "propose",
        None,
        package_services.propose_package,
        what="Propose a `draft` to the task's lead enterprise. **Who:** the coordinator.",
    )
    confirm = _package_action(
        "confirm",
        None,
        package_services.confirm_package,
        what="Confirm a `proposed` package: it is filed as the lead enterprise's financing request with the "
        "package's tranches and submitted (your consent to share it with the institutions a coordinator "
        "routes it to; routing proposes the invited institutions). Screening asks for any missing document. "
        "**Who:** a manager of the task's lead enterprise.",
    )
    decline = _package_action(
        "decline",
        s.RequiredReasonSerializer,
        package_services.decline_package,
        fields={"reason": "reason"},
        what="Decline a `proposed` package, with a reason. **Who:** a manager of the task's lead enterprise.",
    )
