"""REST API v1. Views are thin: scoping through the selectors, writes through the services."""

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.idempotency import key_of as idempotency_key
from config.api.throttles import AuthThrottle
from lenders.models import Institution, Product
from projects.models import Enterprise, MajorTask, Region, TechField

from .. import selectors
from ..errors import Conflict, NotFound, PermissionDenied
from ..matching.proposal import proposal_for_coordinator
from ..models import ApiToken, FinancingRequest, Notification, Offer, Referral, WebhookSubscription
from ..services import documents as document_services
from ..services import referrals as referral_services
from ..services import requests as request_services
from ..services import tokens as token_services
from ..services import webhooks as webhook_services
from ..services.requests import TrancheInput
from ..workflow.tables import OFFER_TRANSITIONS, REFERRAL_TRANSITIONS, REQUEST_TRANSITIONS
from . import docs
from . import examples as ex
from . import filters as f
from . import serializers as s
from .base import CodeCursor, GenericViewSet, IdCursor, NewestFirstCursor, ReadOnlyViewSet
from .schema import ERRORS, READ_ERRORS, WRITE_ERRORS


def validated(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(
    request=s.TokenRequestSerializer,
    responses={200: s.TokenSerializer, **ERRORS(400, 401, 429)},
    auth=[],
    description=(
        "A new token for a username and password (and `otp_token`, the authenticator's code, for accounts "
        "with two-factor sign-in). It expires after API_TOKEN_TTL_DAYS. Repeated failures for one account "
        "from one address lock that pair out for the cool-off (429, code `locked_out`)."
    ),
)
class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]

    def get_authenticate_header(self, request):
        # Without authenticators DRF turns AuthenticationFailed into a 403; wrong credentials are a 401.
        return 'Bearer realm="api"'

    def post(self, request):
        data = validated(s.TokenRequestSerializer, request)
        token, key = token_services.sign_in(request, **data)
        return Response({"token": key, "expires_at": token.expires_at})


@extend_schema_view(
    list=extend_schema(
        responses={200: s.ApiTokenSerializer(many=True), **READ_ERRORS},
        description="Your own tokens that still work (never their keys); nobody lists another user's.",
    ),
    destroy=extend_schema(
        responses={204: None, **ERRORS(401, 404, 405, 406, 429)},
        description="Revoke one of your own tokens at once; another user's token is not found.",
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, GenericViewSet):
    queryset = ApiToken.objects.none()
    serializer_class = s.ApiTokenSerializer
    pagination_class = NewestFirstCursor
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_queryset(self):
        return token_services.tokens_of(self.request.user)

    def destroy(self, request, pk=None):
        token_services.revoke_own(user=request.user, token_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: s.MeSerializer, **ERRORS(401)})
class MeView(APIView):
    def get(self, request):
        return Response(selectors.describe_user(request.user))


@extend_schema_view(
    list=extend_schema(responses={200: s.RegionSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.RegionSerializer, **READ_ERRORS}),
)
class RegionViewSet(ReadOnlyViewSet):
    queryset = Region.objects.select_related("parent")
    serializer_class = s.RegionSerializer
    lookup_field = "code"
    filterset_class = f.RegionFilter
    search_fields = ["code", "name", "name_en"]
    pagination_class = CodeCursor


@extend_schema_view(
    list=extend_schema(responses={200: s.TechFieldSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.TechFieldSerializer, **READ_ERRORS}),
)
class TechFieldViewSet(ReadOnlyViewSet):
    queryset = TechField.objects.select_related("parent")
    serializer_class = s.TechFieldSerializer
    lookup_field = "code"
    filterset_class = f.TechFieldFilter
    search_fields = ["code", "name", "name_en"]
    pagination_class = CodeCursor


@extend_schema_view(
    list=extend_schema(responses={200: s.EnterpriseSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.EnterpriseSerializer, **READ_ERRORS}),
)
class EnterpriseViewSet(ReadOnlyViewSet):
    queryset = Enterprise.objects.none()
    serializer_class = s.EnterpriseSerializer
    filterset_class = f.EnterpriseFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "id"]
    pagination_class = IdCursor

    def get_queryset(self):
        return (
            selectors.enterprises_visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("fields", "financials", *selectors.credit_prefetches())
        )


@extend_schema_view(
    list=extend_schema(responses={200: s.MajorTaskSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.MajorTaskSerializer, **READ_ERRORS}),
)
class MajorTaskViewSet(ReadOnlyViewSet):
    queryset = MajorTask.objects.none()
    serializer_class = s.MajorTaskSerializer
    filterset_class = f.MajorTaskFilter
    search_fields = ["code", "title"]
    pagination_class = CodeCursor

    def get_queryset(self):
        return (
            selectors.major_tasks_visible_to(self.request.user)
            .select_related("field")
            .prefetch_related("participants")
        )


@extend_schema_view(
    list=extend_schema(responses={200: s.InstitutionSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        responses={200: s.InstitutionSerializer, **READ_ERRORS}, examples=[ex.INSTITUTION]
    ),
)
class InstitutionViewSet(ReadOnlyViewSet):
    """The catalogue of institutions is public to every signed-in party."""

    queryset = Institution.objects.filter(is_active=True).prefetch_related("regions")
    serializer_class = s.InstitutionSerializer
    filterset_class = f.InstitutionFilter
    search_fields = ["name", "credit_code"]
    pagination_class = IdCursor


@extend_schema_view(
    list=extend_schema(responses={200: s.ProductSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.ProductSerializer, **READ_ERRORS}),
)
class ProductViewSet(ReadOnlyViewSet):
    queryset = (
        Product.objects.filter(is_active=True)
        .select_related("institution")
        .prefetch_related("fields", "regions")
    )
    serializer_class = s.ProductSerializer
    filterset_class = f.ProductFilter
    search_fields = ["name", "institution__name"]
    pagination_class = IdCursor


def _request_action(
    name,
    serializer_class,
    service,
    *,
    what,
    fields=None,
    actions=None,
    result=s.FinancingRequestSerializer,
    examples=(),
    url_path=None,
):
    """A POST sub-resource on a financing request that calls one service; its description comes from the
    transition table rows it may take (`actions`, by default the one named like the endpoint)."""

    def view(self, request, pk=None):
        data = validated(serializer_class, request) if serializer_class else {}
        kwargs = {name: data[source] for name, source in (fields or {}).items() if source in data}
        obj = self.get_object()
        try:
            changed = service(
                request_id=obj.pk,
                user=request.user,
                idempotency_key=idempotency_key(request),
                **kwargs,
            )
        except Conflict as conflict:
            raise docs.with_hint(conflict, REQUEST_TRANSITIONS, name, self.get_object().status) from conflict
        return Response(result(self.reload(changed.pk)).data)

    view.__name__ = name
    # extend_schema after action(): action() replaces the function's kwargs, where the schema is kept.
    return extend_schema(
        request=serializer_class,
        responses={200: result, **WRITE_ERRORS},
        description=docs.describe_action(REQUEST_TRANSITIONS, actions or [name], what),
        examples=list(examples),
    )(action(detail=True, methods=["post"], url_path=url_path)(view))


@extend_schema_view(
    list=extend_schema(responses={200: s.FinancingRequestSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.FinancingRequestSerializer, **READ_ERRORS}),
)
class FinancingRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = FinancingRequest.objects.none()
    serializer_class = s.FinancingRequestSerializer
    filterset_class = f.FinancingRequestFilter
    search_fields = ["reference", "enterprise__name", "enterprise__credit_code", "purpose"]
    ordering_fields = ["created_at", "amount"]
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        return (
            selectors.requests_visible_to(self.request.user)
            .select_related("enterprise__region")
            .prefetch_related("tranches")
        )

    def reload(self, pk):
        return self.get_queryset().get(pk=pk)

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
            s.FinancingRequestSerializer(self.reload(created.pk)).data, status=status.HTTP_201_CREATED
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
    )
    withdraw = _request_action(
        "withdraw",
        s.ReasonSerializer,
        request_services.withdraw_request,
        fields={"reason": "reason"},
        what="Withdraw the request; its live referrals and open offers are withdrawn with it.",
    )
    request_info = _request_action(
        "request_info",
        s.RequiredReasonSerializer,
        request_services.request_information,
        fields={"reason": "reason"},
        url_path="request-info",
        what="Ask the applicant for more information (the reason says what); the applicant answers with "
        "`resubmit`.",
    )
    route = _request_action(
        "route",
        s.RouteSerializer,
        request_services.route_request,
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
    )
    approve = _request_action(
        "approve",
        s.ReasonSerializer,
        request_services.approve_request,
        fields={"reason": "reason"},
        actions=["approve", "propose_approval", "confirm_approval"],
        what="Approve the accepted package. At or above the national threshold, or for a national major "
        "task, the first national coordinator proposes (the request stays `offer_accepted`, "
        "`approval_proposed_by` names them) and a second, different one confirms.",
    )
    cancel_approval = _request_action(
        "cancel_approval",
        s.RequiredReasonSerializer,
        request_services.cancel_approval_proposal,
        fields={"reason": "reason"},
        url_path="cancel-approval",
        what="Withdraw a pending approval proposal (maker-checker), with a reason.",
    )
    accept_partial_package = _request_action(
        "accept_partial_package",
        s.RequiredReasonSerializer,
        request_services.accept_partial_package,
        fields={"reason": "reason"},
        url_path="accept-partial-package",
        what="Go on to approval although some tranches have no accepted offer; those tranches are closed.",
    )
    record_funding = _request_action(
        "record_funding",
        s.FundingSerializer,
        request_services.record_funding,
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
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer, **WRITE_ERRORS, **ERRORS(413, 415)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
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
        responses={
            **{
                (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
                for content_type in sorted(set(document_services.EXTENSIONS.values()))
            },
            **READ_ERRORS,
        },
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>\d+)/download")
    def download(self, request, pk=None, document_id=None):
        obj = self.get_object()
        document = obj.documents.filter(pk=document_id).first()
        if document is None:
            raise NotFound()
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )


def _referral_action(
    name,
    serializer_class,
    service,
    *,
    what,
    fields=None,
    result=s.ScopedReferralSerializer,
    status_code=200,
    examples=(),
    url_path=None,
):
    def view(self, request, pk=None):
        data = validated(serializer_class, request) if serializer_class else {}
        kwargs = {name: data[source] for name, source in (fields or {}).items() if source in data}
        try:
            obj = service(
                referral_id=self.get_object().pk,
                user=request.user,
                idempotency_key=idempotency_key(request),
                **kwargs,
            )
        except Conflict as conflict:
            raise docs.with_hint(conflict, REFERRAL_TRANSITIONS, name, self.get_object().status) from conflict
        if isinstance(obj, Offer):
            return Response(s.OfferSerializer(obj).data, status=status.HTTP_201_CREATED)
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)

    view.__name__ = name
    return extend_schema(
        request=serializer_class,
        responses={status_code: result, **WRITE_ERRORS},
        description=docs.describe_action(REFERRAL_TRANSITIONS, [name], what),
        examples=list(examples),
    )(action(detail=True, methods=["post"], url_path=url_path)(view))


@extend_schema_view(
    list=extend_schema(responses={200: s.ScopedReferralSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.ScopedReferralSerializer, **READ_ERRORS}),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = Referral.objects.none()
    filterset_class = f.ReferralFilter
    search_fields = ["request__reference", "request__enterprise__name"]
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        return (
            selectors.referrals_visible_to(self.request.user)
            .select_related("institution", "product", "tranche", "request__enterprise__region")
            .prefetch_related(
                "request__enterprise__fields",
                "request__enterprise__financials",
                *selectors.credit_prefetches("request__enterprise__"),
            )
        )

    def get_serializer_class(self):
        # Applicants see the referral's status, never an institution's internal notes.
        if selectors.is_applicant_only(self.request.user):
            return s.ReferralSerializer
        return s.InstitutionReferralSerializer

    open = _referral_action(
        "open",
        None,
        referral_services.open_referral,
        what="Start reviewing a referral your institution received. A referral is opened before it can be "
        "offered on, declined after review or asked about.",
    )
    request_info = _referral_action(
        "request_info",
        s.RequiredReasonSerializer,
        referral_services.request_referral_info,
        fields={"reason": "reason"},
        url_path="request-info",
        what="Ask the applicant for more information about this referral; they answer with `provide_info`.",
    )
    provide_info = _referral_action(
        "provide_info",
        s.NoteSerializer,
        referral_services.provide_referral_info,
        fields={"note": "note"},
        url_path="provide-info",
        what="Answer the institution's question (upload documents first if it asked for them); the "
        "referral goes back to review.",
    )
    offer = _referral_action(
        "offer",
        s.OfferInputSerializer,
        referral_services.make_offer,
        result=s.OfferSerializer,
        status_code=201,
        fields={
            "amount": "amount",
            "annual_rate": "annual_rate",
            "term_months": "term_months",
            "valid_until": "valid_until",
            "terms": "terms",
        },
        examples=ex.OFFER_EXAMPLES,
        what="Make an offer for the referral's tranche: amount in yuan, annual rate as a fraction "
        "(0.0345 = 3.45%), term and validity. The applicant accepts it with `offers/{id}/accept`.",
    )
    decline = _referral_action(
        "decline",
        s.DeclineSerializer,
        referral_services.decline_referral,
        fields={"reason_code": "reason_code", "note": "note"},
        what="Decline the referral with a reason code (counted in the evaluation) and an optional note.",
    )


@extend_schema_view(
    list=extend_schema(responses={200: s.OfferSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.OfferSerializer, **READ_ERRORS}),
)
class OfferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = Offer.objects.none()
    serializer_class = s.OfferSerializer
    filterset_class = f.OfferFilter
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        # With the enterprise and region, `available_actions` reads the caller's roles without a query.
        return selectors.offers_visible_to(self.request.user).select_related(
            "request__enterprise__region", "referral"
        )

    @extend_schema(
        request=None,
        responses={200: s.OfferSerializer, **WRITE_ERRORS},
        description=docs.describe_action(
            OFFER_TRANSITIONS,
            ["accept"],
            "Accept an open offer for its tranche; the tranche's other offers are superseded. When every "
            "tranche has an accepted offer the request moves to `offer_accepted`.",
        ),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        offer = referral_services.accept_offer(
            offer_id=self.get_object().pk, user=request.user, idempotency_key=idempotency_key(request)
        )
        return Response(s.OfferSerializer(self.get_queryset().get(pk=offer.pk)).data)

    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.OfferSerializer, **WRITE_ERRORS},
        description=docs.describe_action(
            OFFER_TRANSITIONS, ["withdraw"], "Withdraw your institution's open offer before it is accepted."
        ),
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = validated(s.ReasonSerializer, request)
        offer = referral_services.withdraw_offer(
            offer_id=self.get_object().pk,
            user=request.user,
            reason=data["reason"],
            idempotency_key=idempotency_key(request),
        )
        return Response(s.OfferSerializer(self.get_queryset().get(pk=offer.pk)).data)


@extend_schema_view(
    list=extend_schema(responses={200: s.NotificationSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.NotificationSerializer, **READ_ERRORS}),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = Notification.objects.none()
    serializer_class = s.NotificationSerializer
    filterset_class = f.NotificationFilter
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user)

    @extend_schema(request=s.MarkReadSerializer, responses={200: s.MarkReadResultSerializer, **WRITE_ERRORS})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        data = validated(s.MarkReadSerializer, request)
        rows = self.get_queryset().filter(read_at__isnull=True)
        if "ids" in data:
            rows = rows.filter(pk__in=data["ids"])
        marked = rows.update(read_at=timezone.now())
        return Response(
            {"marked": marked, "unread": self.get_queryset().filter(read_at__isnull=True).count()}
        )


@extend_schema_view(
    list=extend_schema(responses={200: s.WebhookSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.WebhookSerializer, **READ_ERRORS}),
    destroy=extend_schema(responses={204: None, **ERRORS(401, 403, 404, 405, 406, 429)}),
)
class WebhookViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, GenericViewSet
):
    queryset = WebhookSubscription.objects.none()
    serializer_class = s.WebhookSerializer
    pagination_class = IdCursor

    def get_queryset(self):
        return selectors.webhooks_visible_to(self.request.user)

    @extend_schema(
        request=s.WebhookCreateSerializer,
        responses={201: s.WebhookCreatedSerializer, **WRITE_ERRORS},
        description="The signing secret is in this response only; store it.",
    )
    def create(self, request):
        data = validated(s.WebhookCreateSerializer, request)
        subscription = webhook_services.subscribe(
            user=request.user,
            url=data["url"],
            topics=data["topics"],
            party=data["party"],
            party_id=data.get("party_id"),
        )
        return Response(s.WebhookCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        webhook_services.unsubscribe(user=self.request.user, subscription_id=instance.pk)
