"""Query filters of the API.

An id filter answers the same for an id that does not exist and for one the caller may not see: an empty
list (200), never a 400 "not a valid choice" that would confirm which ids exist. A value that is not an id
at all ("abc", "1.5") is still a 400 naming the parameter.
"""

from datetime import UTC

import django_filters as df
from django import forms
from django.utils.translation import get_language
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.api.fields import AsciiDecimalFormField
from lenders.choices import InstitutionKind, Instrument
from lenders.models import Institution, Product
from projects.choices import Stage
from projects.models import Enterprise, MajorTask, Region, TechField
from projects.regions import covered_q

from ..choices import OfferStatus, ReferralStatus, RequestStatus
from ..models import FinancingRequest, Notification, Offer, Referral


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with any offset Python accepts, compared in UTC: PostgreSQL refuses offsets beyond ±15:59."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Date and time out of range.", code="invalid") from None


class IsoDateTimeFilter(df.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(df.NumberFilter):
    """A related object's id, compared without looking it up (see the module's docstring)."""

    field_class = forms.IntegerField


class AmountFilter(df.NumberFilter):
    """An amount in ASCII digits, like every amount the API reads."""

    field_class = AsciiDecimalFormField


class FilterSet(df.FilterSet):
    """django-filter's FilterSet, its form class built once per language rather than on every request.

    Why: django-filter builds the form class anew for each request, every filter making its form field and
    translating its label: about a millisecond of each list call (issue 16). No filter here depends on the
    request (none takes a queryset callable of it), so the class is the same for every call in a language;
    each call still gets its own form instance, with its own deep copy of the fields.
    """

    def get_form_class(self):
        key = (type(self), get_language())
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            form_class = _FORM_CLASSES[key] = super().get_form_class()
        return form_class


_FORM_CLASSES: dict[tuple[type, str | None], type] = {}


class RegionFilter(FilterSet):
    parent = df.CharFilter(field_name="parent__code")

    class Meta:
        model = Region
        fields = ["pilot_zone", "innovation_center"]


class TechFieldFilter(FilterSet):
    parent = df.CharFilter(field_name="parent__code")

    class Meta:
        model = TechField
        fields = ["hard_tech"]


class EnterpriseFilter(FilterSet):
    region = df.CharFilter(method="in_region", label="GB/T 2260 region code (includes sub-regions)")
    field = df.CharFilter(field_name="fields__code", distinct=True)
    stage = df.ChoiceFilter(choices=Stage.choices)
    founded_after = df.DateFilter(field_name="founded_on", lookup_expr="gte")

    class Meta:
        model = Enterprise
        fields = ["industry", "specialised_status"]

    def in_region(self, queryset, name, value):
        region = Region.objects.filter(code=value).first()
        return queryset.filter(covered_q("region__code", [region])) if region else queryset.none()


class MajorTaskFilter(FilterSet):
    field = df.CharFilter(field_name="field__code")
    lead_enterprise = IdFilter()

    class Meta:
        model = MajorTask
        fields = ["level"]


class InstitutionFilter(FilterSet):
    kind = df.ChoiceFilter(choices=InstitutionKind.choices)

    class Meta:
        model = Institution
        fields = ["relending_eligible"]


class ProductFilter(FilterSet):
    instrument = df.ChoiceFilter(choices=Instrument.choices)
    institution_kind = df.ChoiceFilter(field_name="institution__kind", choices=InstitutionKind.choices)
    amount = AmountFilter(method="covers_amount", label="Products whose range covers this amount")
    term_months = df.NumberFilter(method="covers_term", label="Products whose range covers this term")
    institution = IdFilter()

    class Meta:
        model = Product
        fields = ["is_active", "requires_tech_sme"]

    def covers_amount(self, queryset, name, value):
        return queryset.filter(min_amount__lte=value, max_amount__gte=value)

    def covers_term(self, queryset, name, value):
        return queryset.filter(min_term_months__lte=value, max_term_months__gte=value)


class FinancingRequestFilter(FilterSet):
    status = df.MultipleChoiceFilter(choices=RequestStatus.choices)
    region = df.CharFilter(method="in_region", label="GB/T 2260 region code (includes sub-regions)")
    field = df.CharFilter(field_name="enterprise__fields__code", distinct=True)
    instrument = df.ChoiceFilter(field_name="tranches__instrument", choices=Instrument.choices, distinct=True)
    amount_min = AmountFilter(field_name="amount", lookup_expr="gte")
    amount_max = AmountFilter(field_name="amount", lookup_expr="lte")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    institution = IdFilter(field_name="referrals__institution", distinct=True)
    due_before = IsoDateTimeFilter(method="filter_due_before", label="Has a pending deadline due before")
    enterprise = IdFilter()
    major_task = IdFilter()

    class Meta:
        model = FinancingRequest
        fields = ["escalated", "overdue", "needs_rerouting"]

    def in_region(self, queryset, name, value):
        region = Region.objects.filter(code=value).first()
        return queryset.filter(covered_q("enterprise__region__code", [region])) if region else queryset.none()

    def filter_due_before(self, queryset, name, value):
        return queryset.filter(deadlines__state="pending", deadlines__due_at__lt=value).distinct()


class ReferralFilter(FilterSet):
    status = df.MultipleChoiceFilter(choices=ReferralStatus.choices)
    instrument = df.ChoiceFilter(field_name="tranche__instrument", choices=Instrument.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    due_before = IsoDateTimeFilter(method="filter_due_before", label="Has a pending deadline due before")
    request = IdFilter()
    institution = IdFilter()

    class Meta:
        model = Referral
        fields = ["overdue"]

    def filter_due_before(self, queryset, name, value):
        from ..models import Deadline

        ids = Deadline.objects.filter(object_type="referral", state="pending", due_at__lt=value).values(
            "object_id"
        )
        return queryset.filter(pk__in=ids)


class OfferFilter(FilterSet):
    status = df.MultipleChoiceFilter(choices=OfferStatus.choices)
    valid_after = df.DateFilter(field_name="valid_until", lookup_expr="gte")
    request = IdFilter()
    referral = IdFilter()
    tranche = IdFilter()

    class Meta:
        model = Offer
        fields = []


class NotificationFilter(FilterSet):
    unread = df.BooleanFilter(field_name="read_at", lookup_expr="isnull")
    request = IdFilter()

    class Meta:
        model = Notification
        fields = ["topic"]
