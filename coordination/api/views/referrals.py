from dataclasses import dataclass
from functools import cache, cached_property, partial

from django.db.models import Case, F, Value, When
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api.list_cache import GenerationFirstMixin, ListCache
from projects.credits.selectors import PREFETCHED_ATTR, current_credit_rows, prefetched_current_credit_band
from projects.evaluation import latest_financials
from projects.models import Enterprise, EnterpriseFinancials

from ... import selectors
from ...models import Offer, Referral, Tranche
from ...services import referrals as referral_services
from ...workflow.tables import OFFER_TRANSITIONS, REFERRAL_TRANSITIONS
from .. import docs
from .. import examples as ex
from .. import filters as f
from .. import serializers as s
from ..base import GenericViewSet, NewestFirstCursor, ViewerMixin
from ..idempotency import key_of as idempotency_key
from ..rows import Row, RowShape, group_by, prefetched
from ..schema import READ_ERRORS, WRITE_ERRORS
from .common import service_action, validated

# The referral's actions: each calls its service with the referral's id and answers with `answer`.
_referral_action = partial(
    service_action,
    transitions=REFERRAL_TRANSITIONS,
    object_argument="referral_id",
    result=s.ScopedReferralSerializer,
)


# What `available_actions` and the teaser rule read of a referral besides its payload's columns: the request
# as an object, with its enterprise's id. The engine reads the enterprise's region only for a coordinator
# (its scope), never for an applicant-only caller; for the others the row's referral is given the page's
# enterprise object (`_Applicant.enterprise`, with its region), so the page's query joins neither table
# (each join costs the planner more than the rows cost to read).
_ROLE_FACTS = ("request__id", "request__enterprise_id")
# The profile's derived figures, shown by `EnterpriseSerializer`'s own methods over the enterprise.
_DERIVED = ("tech_sme_evaluation", "size_class", "innovation_credit")


@dataclass(frozen=True)
class _ReferralRows:
    """How the referral list shows its rows, by what the caller reads of each (see `get_serializer_class`
    and `InstitutionReferralSerializer.to_representation`), and the applicants behind them."""

    applicant: RowShape  # an applicant's own referrals
    teaser: RowShape  # an institution's, before it opens one
    full: RowShape  # an institution's once opened, and a coordinator's
    enterprise: RowShape  # the disclosed profile
    financials: RowShape  # its years
    enterprise_serializer: s.EnterpriseSerializer
    teaser_serializer: s.TeaserSerializer

    @property
    def columns(self) -> list[str]:
        """What to read for a page where either kind of institution row may show."""
        return list(dict.fromkeys(self.teaser.columns + self.full.columns))


@cache
def _referral_rows() -> _ReferralRows:
    """Built once the apps are loaded."""
    shown = frozenset({"available_actions", "disclosed", "teaser"})
    teaser_facts = (*_ROLE_FACTS, "request__amount")  # with the rows' own tranche_amount and term_months
    return _ReferralRows(
        applicant=RowShape(s.ReferralSerializer, filled=frozenset({"available_actions"}), also=_ROLE_FACTS),
        teaser=RowShape(s.TeaserReferralSerializer, filled=shown, also=teaser_facts),
        full=RowShape(s.InstitutionReferralSerializer, filled=shown | {"enterprise"}, also=teaser_facts),
        enterprise=RowShape(
            s.EnterpriseSerializer,
            filled=frozenset({"fields", "financials", *_DERIVED}),
            also=(
                # What the tech-SME criteria read besides the profile's own columns.
                "registered_in_mainland",
                "serious_dishonesty",
                "national_award_year",
                "provincial_rnd_institution",
                "led_standard_year",
                # The region and its parents, for `province_of` (as `selectors.TEASER_SELECT` loads them).
                "region__id",
                "region__name",
                "region__parent_id",
                "region__parent__id",
                "region__parent__code",
                "region__parent__name",
                "region__parent__parent_id",
                "region__parent__parent__id",
                "region__parent__parent__code",
                "region__parent__parent__name",
                "region__parent__parent__parent_id",
            ),
        ),
        financials=RowShape(s.FinancialsSerializer, also=("id", "enterprise_id")),
        enterprise_serializer=s.EnterpriseSerializer(),
        teaser_serializer=s.TeaserSerializer(),
    )


class _Applicant:
    """One enterprise behind a page's referrals, from its rows: the facts of its teasers and, for the rows
    that disclose it, its profile as `EnterpriseSerializer` shows it."""

    def __init__(self, shapes: _ReferralRows, row: Row, fields: list[Row], years: list[Row], credit):
        self._shapes, self._row, self._years = shapes, row, years
        # The enterprise as the teaser's rules and the serializer's methods read it: its region's parents,
        # years and current credit where the list's prefetches would have left them.
        self.enterprise = enterprise = shapes.enterprise.instance(row)
        prefetched(enterprise, "financials", [shapes.financials.instance(year) for year in years])
        setattr(enterprise, PREFETCHED_ATTR, [] if credit is None else [credit])
        self.province = selectors.province_of(enterprise.region)
        self.fields = [(field["techfield__code"], field["techfield__name"]) for field in fields]
        self.latest = latest_financials(enterprise)
        self.credit_band = prefetched_current_credit_band(enterprise)

    @cached_property
    def shown(self) -> Row:
        shapes, enterprise = self._shapes, self.enterprise
        derived = shapes.enterprise_serializer.fields
        return shapes.enterprise.show(
            self._row,
            fields=[code for code, _name in self.fields],
            financials=[shapes.financials.show(year) for year in self._years],
            **{name: derived[name].to_representation(enterprise) for name in _DERIVED},
        )


def _applicants_of(rows: list[Row], shapes: _ReferralRows) -> dict[int, _Applicant]:
    """The enterprises behind the rows, by id: four queries whatever the number of rows."""
    ids = {row["request__enterprise_id"] for row in rows}
    fields = group_by(
        Enterprise.fields.through.objects.filter(enterprise_id__in=ids)
        .order_by("techfield__code")  # the fields' own order, as `enterprise.fields.all()` reads them
        .values("enterprise_id", "techfield__code", "techfield__name"),
        "enterprise_id",
    )
    years = group_by(
        EnterpriseFinancials.objects.filter(enterprise_id__in=ids)
        .order_by("enterprise_id", "-year")  # latest first, as the model orders one enterprise's years
        .values(*shapes.financials.columns),
        "enterprise_id",
    )
    # The current credit (`current_credit_rows`, as `current_credit_prefetch` reads it) without the JSON that
    # neither the band nor `innovation_credit` shows.
    credits = {
        score.enterprise_id: score
        for score in current_credit_rows()
        .filter(enterprise_id__in=ids)
        .defer("groups", "breakdown", "inputs")
    }
    return {
        row["id"]: _Applicant(
            shapes, row, fields.get(row["id"], []), years.get(row["id"], []), credits.get(row["id"])
        )
        for row in Enterprise.objects.filter(pk__in=ids).values(*shapes.enterprise.columns)
    }


@extend_schema_view(
    list=extend_schema(responses={200: s.ScopedReferralSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.ScopedReferralSerializer, **READ_ERRORS}),
)
class ReferralViewSet(
    GenerationFirstMixin, ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
    queryset = Referral.objects.none()
    filterset_class = f.ReferralFilter
    # The applicant's name is searched only where the caller may read it (DESIGN §1: not in a teaser).
    search_fields = ["request__reference", "disclosed_enterprise_name"]
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        viewer = self.viewer()  # first: the scoping then reads the scope the viewer left on the user
        referrals = selectors.referrals_visible_to(self.request.user).annotate(
            disclosed_enterprise_name=Case(
                When(selectors.teaser_only_q(viewer), then=Value("")),
                default=F("request__enterprise__name"),
            )
        )
        if self.action == "list":
            return referrals  # read as `.values()` rows by `list`
        return selectors.with_teaser_data(referrals).select_related(
            "institution", "product", "tranche", "request__enterprise__region"
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

    @ListCache()
    def list(self, request):
        # The page from the columns its payload shows (see `coordination.api.rows`); the applicants behind
        # its rows, for the teasers and the disclosed profiles, in a few queries for the whole page. (A
        # comment, not a docstring: drf-spectacular would publish a docstring as the operation's description.)
        shapes = _referral_rows()
        applicant_only = self.get_serializer_class() is s.ReferralSerializer
        columns = shapes.applicant.columns if applicant_only else shapes.columns
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*columns))
        viewer = self.viewer()
        if applicant_only:
            return self.get_paginated_response(
                [
                    shapes.applicant.show(
                        row, available_actions=s.available_actions(shapes.applicant.instance(row), viewer)
                    )
                    for row in rows
                ]
            )
        applicants = _applicants_of(rows, shapes)
        instruments = {
            request_id: [tranche["instrument"] for tranche in tranches]
            for request_id, tranches in group_by(
                Tranche.objects.filter(request_id__in={row["request_id"] for row in rows})
                .order_by("request_id", "position")
                .values("request_id", "instrument"),
                "request_id",
            ).items()
        }
        shown = []
        for row in rows:
            referral = shapes.full.instance(row)
            applicant = applicants[row["request__enterprise_id"]]
            referral.request.enterprise = applicant.enterprise
            teaser = selectors.teaser_of(
                applicant.enterprise,
                province=applicant.province,
                fields=applicant.fields,
                latest=applicant.latest,
                credit_band=applicant.credit_band,
                amount=row["request__amount"],
                tranche_amount=row["tranche__amount"],
                term_months=row["request__term_months"],
                instruments=instruments.get(row["request_id"], []),
            )
            filled = {
                "available_actions": s.available_actions(referral, viewer),
                "teaser": shapes.teaser_serializer.to_representation(teaser),
            }
            if selectors.sees_teaser_only(viewer, referral):
                shown.append(shapes.teaser.show(row, disclosed=False, **filled))
            else:
                shown.append(shapes.full.show(row, disclosed=True, enterprise=applicant.shown, **filled))
        return self.get_paginated_response(shown)

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
class OfferViewSet(
    GenerationFirstMixin, ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
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

    @ListCache()
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
