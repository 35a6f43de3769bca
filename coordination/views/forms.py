"""Helpers for the pages' forms: Bootstrap's classes on the widgets, and a service's refusal shown on the
form. Render a field with `{% include "includes/field.html" with field=form.name %}` (label, input, errors
and help text, tied together for screen readers), or a whole form with "includes/form_fields.html"."""

from django import forms

from coordination.errors import DomainError


def widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class BootstrapFormMixin:
    """Adds Bootstrap's class to each field's widget (keeping any class it has)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():
            classes = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{classes} {widget_class(field.widget)}".strip()


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a service's refusal on the form: each message under the field it names, the rest above."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for field, messages in error.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, str(message))
