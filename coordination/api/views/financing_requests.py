from functools import cache, partial

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api.list_cache import GenerationFirstMixin, ListCache
from config.api.parsers import MultiPartParser
from config.prepared import Prepared

from ... import selectors
from ...errors import PermissionDenied
from ...matching.proposal import proposal_for_coordinator
from ...models import FinancingRequest, Tranche
from ...services import approvals as approval_services
from ...services import documents as document_services
from ...services import financing_requests as request_services
from ...services import routing as routing_services
from ...services.financing_requests import TrancheInput
from ...workflow.tables import REQUEST_TRANSITIONS
from .. import docs
from .. import examples as ex
from .. import filters as f
from .. import serializers as s
from ..base import GenericViewSet, NewestFirstCursor, ViewerMixin
from ..rows import RowShape, group_by
from ..schema import ERRORS, READ_ERRORS, WRITE_ERRORS
from .common import service_action, validated

# The request's actions: each calls its service with the request's id and answers with `answer`.
_request_action = partial(
    service_action,
    transitions=REQUEST_TRANSITIONS,
    object_argument="request_id",
    result=s.FinancingRequestSerializer,
)


@cache
def _rows(result: type[s.FinancingRequestSerializer]) -> tuple[RowShape, RowShape]:
    """Requests and their tranches as `result` shows them (built once the apps are loaded)."""
    filled = {"tranches", "available_actions"} | ({"missing_documents"} & set(result.Meta.fields))
    return (
        RowShape(
            result,
            filled=frozenset(filled),
            # The enterprise and its region as objects: the engine reads the caller's roles on them.
            also=("enterprise__id", "enterprise__region__id"),
        ),
        RowShape(s.TrancheSerializer, also=("request_id",)),
    )


def _tranche_rows(request_ids: list[int], result: type[s.FinancingRequestSerializer]):
    _, tranche_shape = _rows(result)
    return (
        Tranche.objects.filter(request_id__in=request_ids)
        .order_by("request_id", "position")
        .values(*tranche_shape.columns)
    )


# An action's answer shows one request: its row and its tranches compiled once (config/prepared.py).
@cache
def _one_request(result: type[s.FinancingRequestSerializer]) -> Prepared:
    shape, _ = _rows(result)
    return Prepared(lambda pk: FinancingRequest.objects.values(*shape.columns).filter(pk=pk).order_by())


@cache
def _one_requests_tranches(result: type[s.FinancingRequestSerializer]) -> Prepared:
    return Prepared(lambda request_id: _tranche_rows([request_id], result))


def _shown(
    rows: list[dict], result: type[s.FinancingRequestSerializer], viewer: selectors.Viewer
) -> list[dict]:
    """`.values()` rows of requests as `result` shows them to `viewer`, their tranches read in one query."""
    shape, tranche_shape = _rows(result)
    ids = [row["id"] for row in rows]
    tranches = group_by(
        _one_requests_tranches(result).rows(ids[0]) if len(ids) == 1 else _tranche_rows(ids, result),
        "request_id",
    )

    def screened(row: dict) -> dict:
        if "missing_documents" not in shape.filled:
            return {}
        return {"missing_documents": s.missing_documents(row["screening"])}

    return [
        shape.show(
            row,
            tranches=[tranche_shape.show(tranche) for tranche in tranches.get(row["id"], ())],
            available_actions=s.available_actions(shape.instance(row), viewer),
            **screened(row),
        )
        for row in rows
    ]


@extend_schema_view(
    list=extend_schema(responses={200: s.FinancingRequestSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.FinancingRequestSerializer, **READ_ERRORS}),
)
class FinancingRequestViewSet(
    GenerationFirstMixin, ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
    queryset = FinancingRequest.objects.none()
    serializer_class = s.FinancingRequestSerializer
    filterset_class = f.FinancingRequestFilter
    search_fields = ["reference", "enterprise__name", "enterprise__credit_code", "purpose"]
    ordering_fields = ["created_at", "amount"]
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        if self.action == "list":
            self.viewer()  # first: the scoping then reads the scope the viewer left on the user
            return selectors.requests_visible_to(self.request.user)  # read as `.values()` rows by `list`
        if self.request.method == "POST":
            # An action finds the request in scope (or leaves that to its service's roles) and hands its id to
            # a service, which locks and reads it again; the answer is read afresh by `reloaded`.
            return selectors.requests_visible_to(self.request.user)
        return self.shown(selectors.requests_visible_to(self.request.user))

    @staticmethod
    def shown(requests):
        """What the serializer reads of each request: its enterprise, region and tranches."""
        return requests.select_related("enterprise__region").prefetch_related("tranches")

    @ListCache()
    def list(self, request):
        """The page from the columns its payload shows, the tranches of all its rows in one query."""
        shape, _ = _rows(s.FinancingRequestSerializer)
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*shape.columns))
        return self.get_paginated_response(_shown(rows, s.FinancingRequestSerializer, self.viewer()))

    def answer(self, changed, result):
        """An action's answer: the request as `result` shows it to the caller now."""
        return Response(self.reloaded(changed.pk, result))

    def reloaded(self, pk, result) -> dict:
        """The request an action of the caller's has just changed, read afresh and shown by `result`, the
        way the list shows its rows. Not scoped again: the caller found it in scope (the service's roles) or
        created it for its own enterprise a moment ago, and a status change never moves a request out of its
        viewers' scope."""
        (row,) = _one_request(result).rows(pk)
        return _shown([row], result, self.viewer())[0]

    @extend_schema(
        request=s.FinancingRequestCreateSerializer,
        responses={201: s.FinancingRequestSerializer, **WRITE_ERRORS},
        description="Create a `draft` request for one of your enterprises: the amount in yuan split into "
        "tranches (one per instrument) that add up to it. Then upload documents and `submit`.\n\n"
        "**Who:** the applicant. " + docs.ERRORS_SENTENCE,
        examples=[ex.CREATE_REQUEST],
    )
    def create(self, request):
        data = validated(s.FinancingRequestCreateSerializer, request)
        created = request_services.create_request(
            user=request.user,
            enterprise_id=data["enterprise"],
            purpose=data["purpose"],
            amount=data["amount"],
            term_months=data["term_months"],
            needed_by=data.get("needed_by"),
            major_task_id=data.get("major_task"),
            tranches=[TrancheInput(t["instrument"], t["amount"]) for t in data["tranches"]],
        )
        return Response(
            self.reloaded(created.pk, s.FinancingRequestSerializer), status=status.HTTP_201_CREATED
        )

    submit = _request_action(
        "submit",
        None,
        request_services.submit_request,
        result=s.SubmittedRequestSerializer,
        examples=ex.SUBMIT_RESPONSES,
        what="Submit a draft. Screening runs at once: with every required document (`business_plan`, "
        "`financial_statements` by default), checkable figures and a valid credit code the request moves "
        "on to `triage`; otherwise it stops at `info_requested` and `missing_documents` (with the full "
        "list in `screening.missing`) says what to add before `resubmit`. Upload documents first through "
        "`documents`.",
        scoped_by_service=True,
    )
    resubmit = _request_action(
        "resubmit",
        s.NoteSerializer,
        request_services.resubmit_request,
        fields={"note": "note"},
        result=s.SubmittedRequestSerializer,
        examples=ex.SUBMIT_RESPONSES,
        what="Send an `info_requested` request back to screening after adding what was asked for; screening "
        "runs again at once, with the same answer as `submit`. A request in `info_requested` is never "
        "`submit`ted again: that answers 409 `use_resubmit`.",
        scoped_by_service=True,
    )
    withdraw = _request_action(
        "withdraw",
        s.ReasonSerializer,
        request_services.withdraw_request,
        fields={"reason": "reason"},
        what="Withdraw the request; its live referrals and open offers are withdrawn with it.",
        scoped_by_service=True,
    )
    request_info = _request_action(
        "request_info",
        s.RequiredReasonSerializer,
        request_services.request_information,
        fields={"reason": "reason"},
        url_path="request-info",
        what="Ask the applicant for more information (the reason says what); the applicant answers with "
        "`resubmit`.",
        scoped_by_service=True,
    )
    route = _request_action(
        "route",
        s.RouteSerializer,
        routing_services.route_request,
        fields={"product_ids": "products", "reason": "reason"},
        what="Route every open tranche: to the matcher's proposal (see `proposal`), or to the listed "
        "products. Each chosen product's institution receives a `sent` referral.",
    )
    reject = _request_action(
        "reject",
        s.RequiredReasonSerializer,
        request_services.reject_request,
        fields={"reason": "reason"},
        what="Reject the request, with the reason the applicant will read.",
        scoped_by_service=True,
    )
    approve = _request_action(
        "approve",
        s.ReasonSerializer,
        approval_services.approve_request,
        fields={"reason": "reason"},
        actions=["approve", "propose_approval", "confirm_approval"],
        what="Approve the accepted package. At or above the national threshold, or for a national major "
        "task, the first national coordinator proposes (the request stays `offer_accepted`, "
        "`approval_proposed_by` names them) and a second, different one confirms.",
    )
    cancel_approval = _request_action(
        "cancel_approval",
        s.RequiredReasonSerializer,
        approval_services.cancel_approval_proposal,
        fields={"reason": "reason"},
        url_path="cancel-approval",
        what="Withdraw a pending approval proposal (maker-checker), with a reason.",
    )
    accept_partial_package = _request_action(
        "accept_partial_package",
        s.RequiredReasonSerializer,
        routing_services.accept_partial_package,
        fields={"reason": "reason"},
        url_path="accept-partial-package",
        what="Go on to approval although some tranches have no accepted offer; those tranches are closed.",
    )
    record_funding = _request_action(
        "record_funding",
        s.FundingSerializer,
        approval_services.record_funding,
        fields={"tranche_id": "tranche", "amount": "amount", "funded_on": "funded_on"},
        url_path="record-funding",
        what="Record that your institution paid out on its accepted offer (tranche, amount and date are "
        "optional); the request is `funded` once every accepted tranche is.",
    )
    close = _request_action(
        "close",
        s.ReasonSerializer,
        request_services.close_request,
        fields={"reason": "reason"},
        what="Close a funded request.",
        scoped_by_service=True,
    )

    @extend_schema(request=None, responses={200: s.TimelineSerializer, **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        obj = self.get_object()
        return Response(
            {
                "events": s.EventSerializer(selectors.events_visible_to(request.user, obj), many=True).data,
                "deadlines": s.DeadlineSerializer(
                    selectors.deadlines_visible_to(request.user, obj), many=True
                ).data,
            }
        )

    @extend_schema(request=None, responses={200: s.ProposalSerializer, **READ_ERRORS, **ERRORS(403)})
    @action(detail=True, methods=["get"])
    def proposal(self, request, pk=None):
        obj = self.get_object()
        if selectors.coordinator_scope(request.user) is None:
            # In scope (get_object passed) but not a coordinator: the wrong role, so a 403.
            raise PermissionDenied("Only coordinators see the matcher's proposal.")
        return Response(proposal_for_coordinator(obj).as_dict())

    @extend_schema(request=None, responses={200: s.ReferralSerializer(many=True), **READ_ERRORS})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def referrals(self, request, pk=None):
        obj = self.get_object()
        referrals = (
            selectors.referrals_visible_to(request.user)
            .filter(request=obj)
            .select_related("institution", "product", "tranche", "request")
        )
        return Response(s.ReferralSerializer(referrals, many=True).data)

    @extend_schema(
        methods=["GET"], request=None, responses={200: s.DocumentSerializer(many=True), **READ_ERRORS}
    )
    @extend_schema(
        methods=["POST"],
        operation_id="uploadFinancingRequestDocument",
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer, **WRITE_ERRORS, **ERRORS(413, 415)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser],
    )
    def documents(self, request, pk=None):
        obj = self.get_object()
        if request.method == "GET":
            return Response(s.DocumentSerializer(obj.documents.all(), many=True).data)
        data = validated(s.DocumentUploadSerializer, request)
        document = document_services.upload_document(
            request_id=obj.pk, user=request.user, kind=data["kind"], upload=data["file"]
        )
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        # One binary response, so that generated clients keep it (they skip five alternatives); the file's
        # own type comes in the Content-Type header and its name in Content-Disposition.
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file. Its type (one of "
                + ", ".join(sorted(set(document_services.EXTENSIONS.values())))
                + ") is in the `Content-Type` header, its name in `Content-Disposition`.",
            ),
            **READ_ERRORS,
        },
        operation_id="downloadFinancingRequestDocument",
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>\d+)/download")
    def download(self, request, pk=None, document_id=None):
        obj = self.get_object()
        # In scope, and for an institution logged in the applicant's disclosure log (DESIGN §1).
        document = document_services.document_for_download(
            request_id=obj.pk, document_id=int(document_id), user=request.user
        )
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
