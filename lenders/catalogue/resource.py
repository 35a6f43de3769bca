"""The catalogue's columns and the django-import-export resource that reads and writes one institution's
products through them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from import_export import fields as ie_fields
from import_export import resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from projects.models import Region, TechField

from ..models import Institution, Product
from ..product_rules import product_problems
from .cells import (
    CodesWidget,
    CreditVersionWidget,
    DayWidget,
    IdWidget,
    InstrumentWidget,
    NumberWidget,
    TextWidget,
    YesNoWidget,
)

COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "instrument",
    "min_amount",
    "max_amount",
    "min_term_months",
    "max_term_months",
    "fields",
    "regions",
    "for_startup",
    "for_growth",
    "for_stable",
    "requires_tech_sme",
    "min_credit_score",
    "min_credit_version",
    "rate_min",
    "rate_max",
    "stake_min",
    "stake_max",
    "yearly_capacity",
    "active_from",
    "active_until",
    "is_active",
)
M2M_COLUMNS = ("fields", "regions")


def _field(column: str, widget: widgets.Widget) -> ie_fields.Field:
    return ie_fields.Field(attribute=column, column_name=column, widget=widget)


class CatalogueLoader(BaseInstanceLoader):
    """The institution's products in one read (with their fields and regions), not one read a row; a row's
    `id` that is not one of them finds nothing (the resource refuses that row)."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.products = {product.pk: product for product in resource.get_queryset()}

    def get_instance(self, row):
        try:
            return self.products.get(IdWidget().clean(row.get("id")))
        except ValueError:
            return None


class ProductResource(resources.ModelResource):
    """One institution's products; `user` and `reason` go into each change's history."""

    id = _field("id", IdWidget())
    name = _field("name", TextWidget())
    instrument = _field("instrument", InstrumentWidget())
    min_amount = _field("min_amount", NumberWidget(2))
    max_amount = _field("max_amount", NumberWidget(2))
    min_term_months = _field("min_term_months", NumberWidget(whole=True))
    max_term_months = _field("max_term_months", NumberWidget(whole=True))
    fields = _field("fields", CodesWidget(TechField, field="code"))
    regions = _field("regions", CodesWidget(Region, field="code"))
    for_startup = _field("for_startup", YesNoWidget(True))
    for_growth = _field("for_growth", YesNoWidget(True))
    for_stable = _field("for_stable", YesNoWidget(True))
    requires_tech_sme = _field("requires_tech_sme", YesNoWidget(False))
    min_credit_score = _field("min_credit_score", NumberWidget(2))
    min_credit_version = _field("min_credit_version", CreditVersionWidget())
    rate_min = _field("rate_min", NumberWidget(4))
    rate_max = _field("rate_max", NumberWidget(4))
    stake_min = _field("stake_min", NumberWidget(4))
    stake_max = _field("stake_max", NumberWidget(4))
    yearly_capacity = _field("yearly_capacity", NumberWidget(2))
    active_from = _field("active_from", DayWidget())
    active_until = _field("active_until", DayWidget())
    is_active = _field("is_active", YesNoWidget(True))

    class Meta:
        model = Product
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("id",)
        instance_loader_class = CatalogueLoader
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        use_transactions = True

    def __init__(self, *, institution: Institution, user: Any = None, reason: str = ""):
        super().__init__()
        self.institution = institution
        self.user = user
        self.reason = reason
        self.own_ids = set(Product.objects.filter(institution=institution).values_list("pk", flat=True))
        self.rows_of_id: dict[int, int] = {}  # product id -> the import's row index that named it first

    def get_queryset(self) -> models.QuerySet[Product]:
        return (
            Product.objects.filter(institution=self.institution)
            .select_related("institution")
            .prefetch_related("fields", "regions")
            .order_by("name", "pk")
        )

    def init_instance(self, row=None) -> Product:
        return Product(institution=self.institution)

    def before_import_row(self, row, **kwargs) -> None:
        # A row naming a product of another institution (or none) is refused: it is not created under that id.
        try:
            product_id = IdWidget().clean(row.get("id"))
        except ValueError as error:
            raise ValidationError({"id": [str(error)]}) from None
        if product_id is not None and product_id not in self.own_ids:
            raise ValidationError(
                {"id": [_("No product of your institution has the id %(id)s.") % {"id": product_id}]}
            )
        if product_id is not None:
            first = self.rows_of_id.setdefault(product_id, kwargs["row_number"])
            if first != kwargs["row_number"]:
                raise ValidationError({"id": [_("Another row of the file already changes this product.")]})

    def import_instance(self, instance, row, **kwargs) -> None:
        errors: dict[str, list[str]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
        # The library reads many-to-many cells only when it saves them: read them now, so that an unknown
        # code is this row's refusal on its column, with the others.
        for column in M2M_COLUMNS:
            try:
                self.fields[column].clean(row)
            except ValueError as error:
                errors[column] = [str(error)]
        instance.institution = self.institution
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True) -> None:
        errors = {name: list(_messages(e)) for name, e in (import_validation_errors or {}).items()}
        for name, messages in product_problems(instance).items():
            errors.setdefault(name, messages)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs) -> None:
        instance._history_user = self.user  # simple-history's hook: the acting user, in the audit
        instance._change_reason = self.reason


def _messages(error: Any) -> Iterable[str]:
    if isinstance(error, ValidationError):
        return [str(m) for m in error.messages]
    if isinstance(error, (list, tuple)):
        return [str(m) for item in error for m in _messages(item)]
    return [str(error)]
