from functools import cache, partial

from django.db.models import Case, F, Value, When
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ... import selectors
from ...models import Offer, Referral
from ...services import referrals as referral_services
from ...workflow.tables import OFFER_TRANSITIONS, REFERRAL_TRANSITIONS
from .. import docs
from .. import examples as ex
from .. import filters as f
from .. import serializers as s
from ..base import GenericViewSet, NewestFirstCursor, ViewerMixin
from ..idempotency import key_of as idempotency_key
from ..rows import RowShape
from ..schema import READ_ERRORS, WRITE_ERRORS
from .common import service_action, validated

# The referral's actions: each calls its service with the referral's id and answers with `answer`.
_referral_action = partial(
    service_action,
    transitions=REFERRAL_TRANSITIONS,
    object_argument="referral_id",
    result=s.ScopedReferralSerializer,
)


@extend_schema_view(
    list=extend_schema(responses={200: s.ScopedReferralSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.ScopedReferralSerializer, **READ_ERRORS}),
)
class ReferralViewSet(ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = Referral.objects.none()
    filterset_class = f.ReferralFilter
    # The applicant's name is searched only where the caller may read it (DESIGN §1: not in a teaser).
    search_fields = ["request__reference", "disclosed_enterprise_name"]
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        viewer = self.viewer()  # first: the scoping then reads the scope the viewer left on the user
        referrals = selectors.with_teaser_data(selectors.referrals_visible_to(self.request.user))
        return referrals.select_related(
            "institution", "product", "tranche", "request__enterprise__region"
        ).annotate(
            disclosed_enterprise_name=Case(
                When(selectors.teaser_only_q(viewer), then=Value("")),
                default=F("request__enterprise__name"),
            )
        )

    def get_serializer_class(self):
        # Applicants see the referral's status, never an institution's internal notes.
        if selectors.is_applicant_only(self.request.user):
            return s.ReferralSerializer
        return s.InstitutionReferralSerializer

    def answer(self, changed, result):
        """An action's answer: the offer it made (201), or the referral as the caller reads it now."""
        if isinstance(changed, Offer):
            return Response(
                s.OfferSerializer(changed, context=self.get_serializer_context()).data,
                status=status.HTTP_201_CREATED,
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=changed.pk)).data)

    open = _referral_action(
        "open",
        None,
        referral_services.open_referral,
        what="Start reviewing a referral your institution received. A referral is opened before it can be "
        "offered on, declined after review or asked about. Until it is opened your institution reads the "
        "anonymised `teaser` only (`disclosed` is false: no name, credit code, documents or financials); "
        "opening it discloses the applicant to you and is recorded in the applicant's disclosure log.",
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
        operation_id="offerOnReferral",
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


@cache
def _offer_rows() -> RowShape:
    """The offer list's rows as `OfferSerializer` shows them (built once the apps are loaded)."""
    return RowShape(
        s.OfferSerializer,
        filled=frozenset({"available_actions"}),
        # The referral, request, enterprise and region as objects: the engine reads the roles on them.
        also=(
            "referral__id",
            "request__id",
            "request__enterprise_id",
            "request__enterprise__id",
            "request__enterprise__region__id",
            "request__enterprise__region__code",
        ),
    )


@extend_schema_view(
    list=extend_schema(responses={200: s.OfferSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.OfferSerializer, **READ_ERRORS}),
)
class OfferViewSet(ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = Offer.objects.none()
    serializer_class = s.OfferSerializer
    filterset_class = f.OfferFilter
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        if self.action == "list":
            self.viewer()  # first: the scoping then reads the scope the viewer left on the user
            return selectors.offers_visible_to(self.request.user)  # read as `.values()` rows by `list`
        # With the enterprise and region, `available_actions` reads the caller's roles without a query.
        return selectors.offers_visible_to(self.request.user).select_related(
            "request__enterprise__region", "referral"
        )

    def list(self, request):
        """The page from the columns its payload shows (see `coordination.api.rows`)."""
        shape = _offer_rows()
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*shape.columns))
        viewer = self.viewer()
        return self.get_paginated_response(
            [
                shape.show(row, available_actions=s.available_actions(shape.instance(row), viewer))
                for row in rows
            ]
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
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)

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
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)
