from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api.domain_errors import ValidationFailed
from lenders.models import Institution, Product
from projects.credits.selectors import published_versions
from projects.models import Enterprise, MajorTask, Region, TechField

from ... import selectors
from ...models import EnterpriseJoinRequest
from ...services import enterprise_financials, enterprise_onboarding
from ...services.outreach import consent as consent_services
from .. import docs
from .. import examples as ex
from .. import filters as f
from .. import serializers as s
from ..base import CodeCursor, GenericViewSet, IdCursor, NewestFirstCursor, ReadOnlyViewSet
from ..schema import READ_ERRORS, WRITE_ERRORS
from .common import validated
from .packages import TASK_FINANCING, task_financing_response


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


CREDIT_VERSION = OpenApiParameter(
    "credit_version",
    str,
    description=(
        "Show `innovation_credit` under this published model version (e.g. `2024-trial`, `2.0`) instead of "
        "the current credit (the newest published version that scored the latest year)."
    ),
)


@extend_schema_view(
    list=extend_schema(
        parameters=[CREDIT_VERSION], responses={200: s.EnterpriseSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(
        parameters=[CREDIT_VERSION], responses={200: s.EnterpriseSerializer, **READ_ERRORS}
    ),
)
class EnterpriseViewSet(ReadOnlyViewSet):
    queryset = Enterprise.objects.none()
    serializer_class = s.EnterpriseSerializer
    filterset_class = f.EnterpriseFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "id"]
    pagination_class = IdCursor

    def get_queryset(self):
        version = self.request.query_params.get("credit_version") or None
        if version is not None:
            versions = published_versions()
            if version not in versions:
                problem = _("Name a published model version: %(versions)s.") % {
                    "versions": ", ".join(versions)
                }
                raise ValidationFailed(
                    _("No such innovation credit version."), fields={"credit_version": [problem]}
                )
        return (
            selectors.enterprises_visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("fields", "financials", *selectors.credit_prefetches(version=version))
        )

    def reload(self, pk: int) -> Enterprise:
        return self.get_queryset().get(pk=pk)

    @extend_schema(
        request=s.EnterpriseCreateSerializer,
        responses={
            201: s.EnterpriseSerializer,
            202: OpenApiResponse(
                s.JoinRequestSerializer,
                description="The credit code is already registered: no duplicate was made; you asked to "
                "join that enterprise instead, and its managers were notified.",
            ),
            **WRITE_ERRORS,
        },
        description=docs.REGISTER_ENTERPRISE,
        examples=[
            ex.REGISTER_ENTERPRISE,
            ex.ENTERPRISE_REGISTERED,
            ex.ASKED_TO_JOIN,
            ex.CREDIT_CODE_MISTYPED,
        ],
    )
    def create(self, request):
        data = validated(s.EnterpriseCreateSerializer, request)
        registration = enterprise_onboarding.register_enterprise(
            user=request.user,
            credit_code=data["credit_code"],
            name=data["name"],
            region_code=data["region"],
            field_codes=data["fields"],
            founded_on=data["founded_on"],
            stage=data["stage"],
            industry=data["industry"],
            employees=data["employees"],
            high_tech_certificate_no=data["high_tech_certificate_no"],
            high_tech_valid_until=data["high_tech_valid_until"],
            tech_sme_registration_no=data["tech_sme_registration_no"],
            tech_sme_registration_year=data["tech_sme_registration_year"],
            specialised_status=data["specialised_status"],
            join_message=data["message"],
        )
        if registration.join_request is not None:
            join_request = registration.join_request
            return Response(
                s.JoinRequestSerializer(join_request).data,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": reverse("api:enterprise-join-request-detail", args=[join_request.pk])},
            )
        return Response(
            s.EnterpriseSerializer(self.reload(registration.enterprise.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=s.YearFiguresSerializer,
        responses={201: s.FinancialsSerializer, **WRITE_ERRORS},
        description=docs.FINANCIALS.format(
            what="Add one fiscal year's figures. A year already there is a 409 `year_exists`: correct it "
            "with `PUT financials/{year}/`."
        ),
        examples=[ex.ADD_FINANCIALS, ex.FINANCIALS_ADDED],
    )
    @action(detail=True, methods=["post"], url_path="financials")
    def add_financials(self, request, pk=None):
        enterprise = self.get_object()
        data = dict(validated(s.YearFiguresSerializer, request))
        year = data.pop("year")
        row = enterprise_financials.add_financials(
            user=request.user,
            enterprise_id=enterprise.pk,
            year=year,
            figures=enterprise_financials.YearFigures(**data),
        )
        return Response(s.FinancialsSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.FiguresSerializer,
        responses={200: s.FinancialsSerializer, **WRITE_ERRORS},
        parameters=[OpenApiParameter("year", int, OpenApiParameter.PATH, description="The fiscal year.")],
        description=docs.FINANCIALS.format(
            what="Correct one fiscal year's figures (every figure is given again). A year without figures "
            "is a 404: add it with `POST financials/`."
        ),
        examples=[ex.CORRECT_FINANCIALS, ex.FINANCIALS_ADDED],
    )
    @action(detail=True, methods=["put"], url_path=r"financials/(?P<year>[0-9]{4})")
    def update_financials(self, request, pk=None, year=None):
        enterprise = self.get_object()
        data = validated(s.FiguresSerializer, request)
        row = enterprise_financials.update_financials(
            user=request.user,
            enterprise_id=enterprise.pk,
            year=int(year),
            figures=enterprise_financials.YearFigures(**data),
        )
        return Response(s.FinancialsSerializer(row).data)

    @extend_schema(
        request=s.ConsentSerializer,
        responses={200: s.ConsentResultSerializer, **WRITE_ERRORS},
        description="Give (`given` true) or withdraw the enterprise's consent to be put on recommendation "
        "lists (DESIGN §1, §14); its managers only. Withdrawing takes it off every open list at once; each "
        "change is kept with who made it and when.",
    )
    @action(detail=True, methods=["post"], url_path="recommendation-consent")
    def recommendation_consent(self, request, pk=None):
        enterprise = self.get_object()
        data = validated(s.ConsentSerializer, request)
        consent = consent_services.set_recommendation_consent(
            enterprise_id=enterprise.pk, user=request.user, given=data["given"]
        )
        return Response(s.ConsentResultSerializer(consent).data)


def _decision(approve: bool):
    verb, example = ("Approve", ex.JOIN_APPROVED) if approve else ("Refuse", ex.JOIN_REFUSED)
    effect = (
        "The applicant becomes a member (not a manager) of the enterprise and is notified."
        if approve
        else "The applicant is notified, with the reason."
    )

    def view(self, request, pk=None):
        data = validated(s.DecisionSerializer, request)
        join_request = self.get_object()
        decided = enterprise_onboarding.decide_join_request(
            user=request.user, join_request_id=join_request.pk, approve=approve, reason=data["reason"]
        )
        return Response(s.JoinRequestSerializer(self.get_queryset().get(pk=decided.pk)).data)

    view.__name__ = "approve" if approve else "refuse"
    return extend_schema(
        request=s.DecisionSerializer,
        responses={200: s.JoinRequestSerializer, **WRITE_ERRORS},
        description=docs.DECIDE_JOIN_REQUEST.format(verb=verb, effect=effect),
        examples=[example],
    )(action(detail=True, methods=["post"])(view))


@extend_schema_view(
    list=extend_schema(
        responses={200: s.JoinRequestSerializer(many=True), **READ_ERRORS}, description=docs.JOIN_REQUESTS
    ),
    retrieve=extend_schema(
        responses={200: s.JoinRequestSerializer, **READ_ERRORS},
        description=docs.JOIN_REQUESTS,
        examples=[ex.ASKED_TO_JOIN],
    ),
)
class EnterpriseJoinRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = EnterpriseJoinRequest.objects.none()
    serializer_class = s.JoinRequestSerializer
    filterset_fields = ["status", "enterprise"]
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        return selectors.join_requests_visible_to(self.request.user).select_related(
            "enterprise", "user", "decided_by"
        )

    approve = _decision(True)
    refuse = _decision(False)


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

    @TASK_FINANCING
    @action(detail=True, methods=["get"])
    def financing(self, request, pk=None):
        return task_financing_response(request, pk)


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
