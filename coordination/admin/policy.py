"""Policy programmes in the console: superusers and national coordinators edit any draft, a regional
coordinator those of its regions; a published version is read-only (publish, or start a new version)."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.forms import JSON_FORM_FIELDS
from lenders.choices import Instrument
from projects.choices import Stage

from .. import selectors
from ..errors import DomainError
from ..models import PolicyProgramme, ProgrammeLedgerEntry
from ..policies.parameters import KIND_PARAMETERS
from ..services import programmes
from .display import money
from .inlines import ReadOnlyInline
from .scoping import AuditedAdmin


def _parameter_help() -> str:
    lines = [
        f"{kind}: " + ", ".join(f"{name}={spec.default}" for name, spec in specs.items())
        for kind, specs in KIND_PARAMETERS.items()
    ]
    return str(_("Defaults by kind (left out: the default applies): ")) + "; ".join(lines)


class PolicyProgrammeForm(forms.ModelForm):
    instruments = forms.MultipleChoiceField(
        label=_("instruments"),
        choices=Instrument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: every instrument of the programme's kind."),
    )
    stages = forms.MultipleChoiceField(
        label=_("enterprise stages"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: every stage."),
    )

    class Meta:
        model = PolicyProgramme
        fields = [
            "code",
            "version",
            "name",
            "level",
            "region",
            "kind",
            "valid_from",
            "valid_until",
            "budget",
            "instruments",
            "fields",
            "stages",
            "requires_tech_sme",
            "min_credit_score",
            "min_credit_version",
            "first_loan_only",
            "max_amount",
            "parameters",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "parameters" in self.fields:
            self.fields["parameters"].help_text = _parameter_help()
            self.fields["parameters"].required = False


class LedgerInline(ReadOnlyInline):
    """Every movement on the programme's budget, oldest first (append-only; written by the services)."""

    model = ProgrammeLedgerEntry
    fields = ["created_at", "movement", "amount", "tranche", "follow_up", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("ledger")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "tranche__request", "follow_up__entry__recommendation_list", "follow_up__institution"
            )
        )


@admin.register(PolicyProgramme)
class PolicyProgrammeAdmin(AuditedAdmin):
    form = PolicyProgrammeForm
    formfield_overrides = {models.JSONField: JSON_FORM_FIELDS}
    list_display = [
        "name",
        "version",
        "kind",
        "level",
        "region",
        "valid_from",
        "valid_until",
        "budget",
        "published_at",
    ]
    list_filter = ["kind", "level", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["fields"]
    readonly_fields = ["published_at", "created_at", "balance_display", "simulate_link"]
    inlines = [LedgerInline]
    actions = ["publish", "new_version"]
    fieldsets = [
        (
            None,
            {"fields": ["code", "version", "name", "level", "region", "kind", "published_at", "created_at"]},
        ),
        (
            _("Window and budget"),
            {"fields": ["valid_from", "valid_until", "budget", "balance_display", "simulate_link"]},
        ),
        (
            _("Eligibility"),
            {
                "fields": [
                    "instruments",
                    "fields",
                    "stages",
                    "requires_tech_sme",
                    "min_credit_score",
                    "min_credit_version",
                    "first_loan_only",
                    "max_amount",
                ]
            },
        ),
        (_("Parameters of its kind"), {"fields": ["parameters"]}),
    ]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.programmes_visible_to(user).values("pk"))

    @admin.display(description=_("available / committed / paid"))
    def balance_display(self, obj: PolicyProgramme) -> str:
        if obj.pk is None:
            return "—"
        balance = selectors.programme_balance(obj.pk, budget=obj.budget)
        return " / ".join(money(amount) for amount in (balance.available, balance.committed, balance.paid))

    @admin.display(description=_("simulation"))
    def simulate_link(self, obj: PolicyProgramme) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("simulations:start", kwargs={"programme_id": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("Replay it with changed terms over a past window"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and programmes.may_edit_programme(request.user, None)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or programmes.may_edit_programme(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or programmes.may_edit_programme(request.user, obj))

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "region" and not request.user.is_superuser:
            kwargs["queryset"] = selectors.regions_governed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "region" in form.base_fields and not request.user.is_superuser:
            form.base_fields["region"].required = not selectors.governs_region(request.user, None)
        return form

    def _run(self, request: HttpRequest, queryset, service, done) -> None:
        for programme in queryset:
            try:
                service(programme_id=programme.pk, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{programme}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, done % {"programme": programme}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request: HttpRequest, queryset) -> None:
        self._run(request, queryset, programmes.publish_programme, _("%(programme)s published."))

    @admin.action(description=_("Start a new version of the selected programmes"))
    def new_version(self, request: HttpRequest, queryset) -> None:
        self._run(
            request, queryset, programmes.new_programme_version, _("New draft version of %(programme)s.")
        )
