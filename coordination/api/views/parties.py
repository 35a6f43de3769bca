from drf_spectacular.utils import extend_schema, extend_schema_view

from lenders.models import Institution, Product
from projects.models import Enterprise, MajorTask, Region, TechField

from ... import selectors
from .. import examples as ex
from .. import filters as f
from .. import serializers as s
from ..base import CodeCursor, IdCursor, ReadOnlyViewSet
from ..schema import READ_ERRORS


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
