"""Recommendation lists in the console (DESIGN §14): a coordinator builds a draft from criteria or by
hand, publishes it to chosen institutions, and closes it; every write is the outreach service's, which
also judges the input (its errors are shown on the fields they name). A coordinator sees the lists it
coordinates (`selectors.outreach.lists_coordinated_by`); any other is a 404."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.forms import SafeJSONField
from lenders.models import Institution
from projects.models import Enterprise, MajorTask

from ..choices import ListStatus
from ..errors import DomainError, ValidationFailed
from ..models import RecommendationEntry, RecommendationFollowUp, RecommendationList, RecommendationRecipient
from ..selectors import outreach as reads
from ..selectors import outreach_criteria
from ..services.outreach import lists as list_services
from .display import local_time
from .inlines import ReadOnlyInline
from .scoping import ScopedAdmin


def _put(form: forms.Form, error: ValidationFailed) -> None:
    for path, problems in error.fields.items():
        name = path.partition(".")[0]
        form.add_error(name if name in form.fields else None, problems)
    if not error.fields:
        form.add_error(None, str(error.message))


class BuildListForm(forms.ModelForm):
    """A new draft: from the criteria (JSON), or from firms and major tasks picked by hand."""

    criteria = SafeJSONField(
        label=_("criteria"),
        required=False,
        help_text=_(
            'For example {"min_credit": "70", "credit_version": "2.0", "tech_sme": true, "fields": ["ic"], '
            '"stages": ["growth"], "regions": ["310000"], "min_percentile": "80", "major_task": "…", '
            '"limit": 50}. Empty: pick firms or major tasks below.'
        ),
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=_("firms picked by hand"), queryset=Enterprise.objects.none(), required=False
    )
    major_tasks = forms.ModelMultipleChoiceField(
        label=_("major tasks picked by hand"), queryset=MajorTask.objects.none(), required=False
    )
    user = None  # set by the admin for the request

    class Meta:
        model = RecommendationList
        fields = ["code", "title", "as_of", "national", "regions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprises"].queryset = outreach_criteria.consenting_enterprises().order_by("name")
        self.fields["major_tasks"].queryset = MajorTask.objects.order_by("code")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.built = list_services.build_list(
                user=self.user,
                code=data["code"],
                title=data["title"],
                national=data["national"],
                region_codes=[r.code for r in data["regions"]],
                criteria=data.get("criteria") or None,
                enterprise_ids=[e.pk for e in data["enterprises"]],
                major_task_codes=[t.code for t in data["major_tasks"]],
                as_of=data.get("as_of"),
            )
        except ValidationFailed as error:
            _put(self, error)
        except DomainError as error:
            self.add_error(None, str(error.message))
        return data


class PublishListForm(forms.ModelForm):
    publish_to = forms.ModelMultipleChoiceField(
        label=_("publish to"),
        queryset=Institution.objects.filter(is_active=True).order_by("kind", "name"),
        required=False,
        help_text=_("Choose the institutions and save to publish the draft to them."),
    )
    user = None

    class Meta:
        model = RecommendationList
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        chosen = data.get("publish_to")
        if chosen and self.instance.status == ListStatus.DRAFT:
            try:
                list_services.publish_list(
                    list_id=self.instance.pk, user=self.user, institution_ids=[i.pk for i in chosen]
                )
            except ValidationFailed as error:
                _put(self, error)
            except DomainError as error:
                self.add_error(None, str(error.message))
        return data


class EntryInline(ReadOnlyInline):
    model = RecommendationEntry
    fields = ["position", "enterprise", "major_task", "reasons_text", "withdrawn_at"]
    readonly_fields = fields

    @admin.display(description=_("reasons"))
    def reasons_text(self, obj: RecommendationEntry) -> str:
        names = reads.reason_names([obj])
        return "; ".join(reads.reason_text(r, names) for r in obj.reasons)


class RecipientInline(ReadOnlyInline):
    model = RecommendationRecipient
    fields = ["institution", "published_at", "respond_by", "reminded_at", "escalated_at"]
    readonly_fields = fields


SHOWN = ["title", "code", "version", "as_of", "national", "regions_list", "criteria", "status", "published"]


@admin.register(RecommendationList)
class RecommendationListAdmin(ScopedAdmin):
    list_display = ["title", "version", "code", "as_of", "national", "status", "published_at"]
    list_filter = ["status", "national"]
    search_fields = ["title", "code"]
    actions = ["close_lists"]

    def scope(self, queryset: QuerySet, user) -> QuerySet:
        return queryset.filter(pk__in=reads.lists_coordinated_by(user).values("pk"))

    def get_inlines(self, request: HttpRequest, obj=None):
        return [RecipientInline, EntryInline] if obj is not None else []

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        base = PublishListForm if obj is not None else BuildListForm
        if obj is not None:
            kwargs["fields"] = ["publish_to"] if obj.status == ListStatus.DRAFT else []
        form = super().get_form(request, obj, change=change, form=base, **kwargs)
        form.user = request.user
        return form

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return [*BuildListForm.Meta.fields, "criteria"]
        return [*SHOWN, "publish_to"] if obj.status == ListStatus.DRAFT else SHOWN

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = [(None, {"fields": self.get_fields(request, obj)})]
        if obj is None:  # the add form's own fields: firms and major tasks picked instead of criteria
            fieldsets.append((_("Or pick by hand"), {"fields": ["enterprises", "major_tasks"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return SHOWN if obj is not None else []

    @admin.display(description=_("regions"))
    def regions_list(self, obj: RecommendationList) -> str:
        return ", ".join(r.name for r in obj.regions.all()) or _("national")

    @admin.display(description=_("published at"))
    def published(self, obj: RecommendationList) -> str:
        return local_time(obj.published_at) if obj.published_at else "—"

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        # The service wrote the list while the form was cleaned; the page shows what it wrote.
        if not change:
            obj.pk = form.built.pk

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The service set the regions and entries: only the (read-only) inlines go through their motions.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Close the selected lists"))
    def close_lists(self, request: HttpRequest, queryset: QuerySet) -> None:
        for item in queryset:
            try:
                list_services.close_list(list_id=item.pk, user=request.user)
            except DomainError as error:
                messages.error(request, f"{item}: {error.message}")


@admin.register(RecommendationFollowUp)
class RecommendationFollowUpAdmin(ScopedAdmin):
    """The institutions' follow-ups on the lists a coordinator coordinates: read-only."""

    list_display = ["entry", "institution", "status", "amount", "financed_on", "decline_reason", "updated_at"]
    list_filter = ["status", "institution__kind"]
    list_select_related = ["entry__recommendation_list", "institution"]

    def scope(self, queryset: QuerySet, user) -> QuerySet:
        return queryset.filter(pk__in=reads.follow_ups_visible_to(user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
