"""The applicant's forms (/sme/): a request with its tranches and documents, and the answers on a request.

Shape only. Whether tranches add up, a major task fits the enterprise, a date is in the future or a file is
what it says is for the services to decide (`coordination.services.filing`); the views put their answers
back on the fields named here.
"""

import uuid
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument

from ..choices import DocumentKind
from ..services.documents import EXTENSIONS

# As through the API (coordination/api/serializers/actions.py): at most this many tranches.
MAX_TRANCHES = 10
ACCEPT = ",".join(sorted(EXTENSIONS))
MONEY_ATTRS = {"step": "0.01", "min": "0.01", "inputmode": "decimal"}


class StyledMixin:
    """Bootstrap's classes on every widget (the templates render `{{ field }}` as it is)."""

    def style(self) -> None:
        for bound in self.fields.values():  # type: ignore[attr-defined]
            widget = bound.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])


def document_field_name(kind: str) -> str:
    return f"document_{kind}"


def _document_fields() -> dict[str, forms.FileField]:
    required = set(settings.SCREENING_REQUIRED_DOCUMENTS)
    fields = {}
    for kind, label in DocumentKind.choices:
        help_text = (
            _("Screening requires it. PDF, PNG, JPEG, DOCX or XLSX, at most %(mb)d MB.")
            if kind in required
            else _("Optional. PDF, PNG, JPEG, DOCX or XLSX, at most %(mb)d MB.")
        ) % {"mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}
        fields[document_field_name(kind)] = forms.FileField(
            label=label,
            required=False,
            help_text=help_text,
            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        )
    return fields


class DocumentsMixin:
    """One file field per document kind, named `document_<kind>`."""

    def add_document_fields(self) -> None:
        self.fields.update(_document_fields())  # type: ignore[attr-defined]

    def document_fields(self):
        return [self[document_field_name(kind)] for kind in DocumentKind.values]  # type: ignore[index]

    def documents(self) -> list[tuple[str, str, object]]:
        """(field name, kind, upload) for each file chosen."""
        chosen = []
        for kind in DocumentKind.values:
            name = document_field_name(kind)
            upload = self.cleaned_data.get(name)  # type: ignore[attr-defined]
            if upload:
                chosen.append((name, kind, upload))
        return chosen


class RequestForm(StyledMixin, DocumentsMixin, forms.Form):
    # Choices from lists the view read once (a model choice field would query again at each rendering).
    enterprise = forms.TypedChoiceField(label=_("Enterprise"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("In yuan; shown in 万元 beside it."),
        widget=forms.NumberInput(attrs={**MONEY_ATTRS, "data-wan": "amount-wan"}),
    )
    term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=1, max_value=600, widget=forms.NumberInput(attrs={"step": "1"})
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=5000,
        help_text=_("What the financing is for: the project, the milestones it pays for."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    needed_by = forms.DateField(
        label=_("Needed by"),
        required=False,
        help_text=_("Optional: the date by which the money is needed."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    major_task = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Major S&T task (optional)"),
        help_text=_(
            "Only when the financing serves a national or provincial major task your enterprise is part of."
        ),
    )

    def __init__(self, *args, enterprises, major_tasks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [(e.pk, e.name) for e in enterprises]  # type: ignore[attr-defined]
        self.fields["major_task"].choices = [  # type: ignore[attr-defined]
            ("", _("None")),
            *((task.pk, f"{task.code} {task.title}") for task in major_tasks),
        ]
        self.add_document_fields()
        self.style()


class TrancheForm(StyledMixin, forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"), choices=[("", "---------"), *Instrument.choices])
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={**MONEY_ATTRS, "data-tranche-amount": ""}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class BaseTrancheFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        instruments = [form.cleaned_data["instrument"] for form in self.filled_forms()]
        if len(set(instruments)) < len(instruments):
            # The same shape rule as the API's: a package names each instrument once.
            raise forms.ValidationError(_("Each instrument at most once per request."), code="duplicate")

    def filled_forms(self) -> list[TrancheForm]:
        """The rows filled in, in order (blank extra rows are left out)."""
        return [
            form
            for form in self.forms
            if form.has_changed() and form not in self.deleted_forms and getattr(form, "cleaned_data", None)
        ]


TrancheFormSet = forms.formset_factory(
    TrancheForm,
    formset=BaseTrancheFormSet,
    extra=2,
    min_num=1,
    validate_min=True,
    max_num=MAX_TRANCHES,
    validate_max=True,
)
TRANCHE_PREFIX = "tranches"


class ActionForm(StyledMixin, forms.Form):
    """Every action's form on the request page: a key so that a double click replays instead of repeating."""

    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_key", uuid.uuid4().hex)
        self.style()

    def idempotency_key(self, action: str) -> str:
        key = self.cleaned_data.get("form_key") or ""
        return f"page:{action}:{key}" if key else ""


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Your answer"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(DocumentsMixin, NoteForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_document_fields()
        self.style()


class SubmitForm(DocumentsMixin, ActionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_document_fields()
        self.style()
