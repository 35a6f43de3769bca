"""Recommendation lists over the API (issue 18, DESIGN §14), scoped by `selectors.outreach`:

- coordinators build (`POST`), publish and close the lists they coordinate, and read every entry and
  follow-up of them;
- an institution's people read the lists published to their institution, each entry as a teaser until
  their institution opens it (`disclosed` false: no name, credit code or financials), and record their own
  follow-up; a rival institution's follow-up is a 404;
- a firm's members read the published lists their firm is on, and only their own entry.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from lenders.choices import Instrument

from ..choices import DeclineReason, FollowUpStatus, TechSmeStatus
from ..errors import NotFound
from ..models import RecommendationEntry, RecommendationFollowUp, RecommendationList
from ..selectors import Viewer, coordinator_scope
from ..selectors import outreach as reads
from ..services.outreach import follow_ups as follow_up_services
from ..services.outreach import lists as list_services
from .base import GenericViewSet, IdCursor
from .schema import READ_ERRORS, WRITE_ERRORS
from .views.common import validated

MAX_ID = 2**63 - 1
ENTRY_ID = OpenApiParameter("entry_id", int, OpenApiParameter.PATH, description="The entry's id.")
FOLLOW_UP_ID = OpenApiParameter("follow_up_id", int, OpenApiParameter.PATH, description="The follow-up's id.")


class RecommendationListSerializer(serializers.ModelSerializer):
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    institutions = serializers.SerializerMethodField(
        help_text=_("The institutions it was published to: for its coordinators only (empty for others).")
    )
    entry_count = serializers.IntegerField(read_only=True, help_text=_("Entries still on the list."))

    class Meta:
        model = RecommendationList
        fields = [
            "id",
            "code",
            "version",
            "title",
            "as_of",
            "national",
            "regions",
            "criteria",
            "status",
            "published_at",
            "closed_at",
            "institutions",
            "entry_count",
        ]
        read_only_fields = fields

    def get_institutions(self, obj) -> list[int]:
        if not self.context.get("coordinates"):
            return []
        return [recipient.institution_id for recipient in obj.recipients.all()]


class RecommendationListInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=60)
    title = serializers.CharField(max_length=200)
    national = serializers.BooleanField(default=False)
    regions = serializers.ListField(child=serializers.CharField(max_length=6), default=list)
    as_of = serializers.DateField(required=False)
    criteria = serializers.DictField(
        required=False,
        help_text=_(
            "min_credit with credit_version (a published innovation-credit model), min_percentile, tech_sme, "
            "fields, hard_tech, stages, regions, major_task, limit. Leave out to pick by hand."
        ),
    )
    enterprises = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), default=list
    )
    major_tasks = serializers.ListField(child=serializers.CharField(max_length=40), default=list)


class PublishSerializer(serializers.Serializer):
    institutions = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False
    )


class EntryTeaserSerializer(serializers.Serializer):
    province_code = serializers.CharField()
    province = serializers.CharField()
    fields = serializers.ListField(
        source="field_codes", child=serializers.CharField(), help_text=_("Technology field codes.")
    )
    stage = serializers.CharField()
    size_class = serializers.CharField(allow_null=True)
    innovation_credit_band = serializers.CharField(allow_null=True)
    tech_sme_status = serializers.ChoiceField(choices=TechSmeStatus.choices)
    major_task_level = serializers.CharField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class EntryProfileSerializer(serializers.Serializer):
    enterprise_id = serializers.IntegerField()
    name = serializers.CharField()
    credit_code = serializers.CharField()
    region = serializers.CharField()
    innovation_credit = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    credit_version = serializers.CharField(allow_null=True)
    percentile = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    financial_year = serializers.IntegerField(allow_null=True)
    revenue = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    total_assets = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    rnd_expense = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    staff = serializers.IntegerField(allow_null=True)
    major_task = serializers.CharField(allow_null=True)


class FollowUpSerializer(serializers.ModelSerializer):
    entry = serializers.IntegerField(source="entry_id", read_only=True)
    institution = serializers.IntegerField(source="institution_id", read_only=True)

    class Meta:
        model = RecommendationFollowUp
        fields = [
            "id",
            "entry",
            "institution",
            "status",
            "opened_at",
            "instrument",
            "amount",
            "annual_rate",
            "term_months",
            "financed_on",
            "decline_reason",
            "note",
            "updated_at",
        ]
        read_only_fields = fields


class FollowUpInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[c for c in FollowUpStatus.choices if c[0] != FollowUpStatus.OPENED]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    instrument = serializers.ChoiceField(choices=Instrument.choices, required=False)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    annual_rate = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)
    term_months = serializers.IntegerField(required=False)
    financed_on = serializers.DateField(required=False)
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices, required=False)


class EntrySerializer(serializers.Serializer):
    """An entry as the caller reads it: the teaser always; the firm's profile once disclosed to it."""

    id = serializers.IntegerField()
    position = serializers.IntegerField()
    withdrawn = serializers.SerializerMethodField()
    disclosed = serializers.SerializerMethodField(
        help_text=_("False until the caller's institution opens the entry: then only the teaser is given.")
    )
    teaser = serializers.SerializerMethodField()
    enterprise = serializers.SerializerMethodField()
    follow_up = serializers.SerializerMethodField(help_text=_("The caller's institution's follow-up."))

    def _own(self, obj) -> RecommendationFollowUp | None:
        return self.context["own_follow_ups"].get(obj.pk)

    def _disclosed(self, obj) -> bool:
        return not reads.sees_entry_teaser_only(self.context["viewer"], obj, self._own(obj))

    def get_withdrawn(self, obj) -> bool:
        return obj.withdrawn_at is not None

    def get_disclosed(self, obj) -> bool:
        return self._disclosed(obj)

    @extend_schema_field(EntryTeaserSerializer)
    def get_teaser(self, obj):
        return EntryTeaserSerializer(reads.entry_teaser(obj, self.context["names"])).data

    @extend_schema_field(EntryProfileSerializer(allow_null=True))
    def get_enterprise(self, obj):
        return EntryProfileSerializer(reads.entry_profile(obj)).data if self._disclosed(obj) else None

    @extend_schema_field(FollowUpSerializer(allow_null=True))
    def get_follow_up(self, obj):
        own = self._own(obj)
        return FollowUpSerializer(own).data if own else None


@extend_schema_view(
    list=extend_schema(responses={200: RecommendationListSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: RecommendationListSerializer, **READ_ERRORS}),
)
class RecommendationListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Recommendation lists in the caller's scope (DESIGN §14)."""

    queryset = RecommendationList.objects.none()
    serializer_class = RecommendationListSerializer
    pagination_class = IdCursor
    filterset_fields = ["status", "code"]

    def get_queryset(self):
        return (
            reads.lists_visible_to(self.request.user)
            .prefetch_related("regions", "recipients")
            .annotate(entry_count=Count("entries", filter=Q(entries__withdrawn_at__isnull=True)))
        )

    def get_serializer_context(self):
        user = self.request.user
        coordinates = user.is_authenticated and (user.is_superuser or coordinator_scope(user) is not None)
        return {**super().get_serializer_context(), "coordinates": coordinates}

    def _entries(self, request: Request, recommendation_list: RecommendationList):
        return reads.entries_visible_to(request.user, recommendation_list)

    def _entry_response(self, request: Request, entry: RecommendationEntry, code: int = 200) -> Response:
        own = reads.own_follow_up(request.user, entry)
        context = {
            "viewer": Viewer.of(request.user),
            "names": reads.reason_names([entry]),
            "own_follow_ups": {entry.pk: own} if own else {},
        }
        return Response(EntrySerializer(entry, context=context).data, status=code)

    def _entry(self, request: Request, entry_id: str) -> RecommendationEntry:
        entry = self._entries(request, self.get_object()).filter(pk=int(entry_id)).first()
        if entry is None:
            raise NotFound()
        return entry

    @extend_schema(
        request=RecommendationListInputSerializer,
        responses={201: RecommendationListSerializer, **WRITE_ERRORS},
        description="Build a draft list (coordinators): from `criteria`, or from `enterprises` and "
        "`major_tasks` picked by hand. Only firms whose consent to be recommended is on record are taken; "
        "a national list is a national coordinator's, a regional one names regions in the builder's scope.",
    )
    def create(self, request):
        data = validated(RecommendationListInputSerializer, request)
        made = list_services.build_list(
            user=request.user,
            code=data["code"],
            title=data["title"],
            national=data["national"],
            region_codes=data["regions"],
            criteria=data.get("criteria"),
            enterprise_ids=data["enterprises"],
            major_task_codes=data["major_tasks"],
            as_of=data.get("as_of"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=made.pk)).data, status=201)

    @extend_schema(
        request=PublishSerializer,
        responses={200: RecommendationListSerializer, **WRITE_ERRORS},
        description="Publish a draft to the chosen institutions; each is notified and has a day by which "
        "its follow-ups are due (reminded before, the coordinator told after).",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        data = validated(PublishSerializer, request)
        list_services.publish_list(
            list_id=self.get_object().pk, user=request.user, institution_ids=data["institutions"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        request=None,
        responses={200: RecommendationListSerializer, **WRITE_ERRORS},
        description="Close the list: institutions still read it and their follow-ups, but open no entry.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        list_services.close_list(list_id=self.get_object().pk, user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        responses={200: EntrySerializer(many=True), **READ_ERRORS},
        description="The list's entries as the caller reads them: teasers until the caller's institution "
        "opens one; a firm reads its own entry only.",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def entries(self, request, pk=None):
        recommendation_list = self.get_object()
        entries = list(self._entries(request, recommendation_list))
        own = {
            f.entry_id: f
            for f in RecommendationFollowUp.objects.filter(
                entry__in=entries, institution_id__in=reads.recipient_institution_ids(request.user)
            )
        }
        context = {
            "viewer": Viewer.of(request.user),
            "names": reads.reason_names(entries),
            "own_follow_ups": own,
        }
        return Response(EntrySerializer(entries, many=True, context=context).data)

    @extend_schema(parameters=[ENTRY_ID], responses={200: EntrySerializer, **READ_ERRORS})
    @action(detail=True, methods=["get"], url_path=r"entries/(?P<entry_id>[0-9]{1,18})", filter_backends=[])
    def entry(self, request, pk=None, entry_id=None):
        return self._entry_response(request, self._entry(request, entry_id))

    @extend_schema(
        request=None,
        parameters=[ENTRY_ID],
        responses={200: EntrySerializer, **WRITE_ERRORS},
        description="Open an entry (institutions the list was published to): the firm's name, credit code, "
        "credit and financials are disclosed to your institution, recorded in the firm's disclosure log, "
        "and your follow-up starts.",
    )
    @action(
        detail=True, methods=["post"], url_path=r"entries/(?P<entry_id>[0-9]{1,18})/open", filter_backends=[]
    )
    def open_entry(self, request, pk=None, entry_id=None):
        entry = self._entry(request, entry_id)
        follow_up_services.open_entry(entry_id=entry.pk, user=request.user)
        return self._entry_response(request, self._entry(request, entry_id))

    @extend_schema(
        request=FollowUpInputSerializer,
        parameters=[ENTRY_ID],
        responses={200: FollowUpSerializer, **WRITE_ERRORS},
        description="Record your institution's follow-up on an opened entry: contacted, in_review, financed "
        "(instrument, amount in yuan, annual_rate as a fraction, term_months, financed_on) or declined "
        "(decline_reason). Financed and declined are final. A loan financed by a re-lending eligible bank "
        "for a qualifying firm enters the re-lending ledger, as a funded referral does.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"entries/(?P<entry_id>[0-9]{1,18})/follow-up",
        filter_backends=[],
    )
    def follow_up(self, request, pk=None, entry_id=None):
        entry = self._entry(request, entry_id)
        data = dict(validated(FollowUpInputSerializer, request))
        follow_up = follow_up_services.record_follow_up(entry_id=entry.pk, user=request.user, **data)
        return Response(FollowUpSerializer(follow_up).data, status=status.HTTP_200_OK)

    @extend_schema(
        responses={200: FollowUpSerializer(many=True), **READ_ERRORS},
        description="The follow-ups on the list: coordinators read every institution's; an institution "
        "its own only.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="follow-ups",
        pagination_class=None,
        filter_backends=[],
    )
    def follow_ups(self, request, pk=None):
        rows = reads.follow_ups_visible_to(request.user).filter(entry__recommendation_list=self.get_object())
        return Response(FollowUpSerializer(rows.order_by("pk"), many=True).data)

    @extend_schema(parameters=[FOLLOW_UP_ID], responses={200: FollowUpSerializer, **READ_ERRORS})
    @action(
        detail=True, methods=["get"], url_path=r"follow-ups/(?P<follow_up_id>[0-9]{1,18})", filter_backends=[]
    )
    def follow_up_detail(self, request, pk=None, follow_up_id=None):
        row = (
            reads.follow_ups_visible_to(request.user)
            .filter(entry__recommendation_list=self.get_object(), pk=int(follow_up_id))
            .first()
        )
        if row is None:
            raise NotFound()
        return Response(FollowUpSerializer(row).data)
