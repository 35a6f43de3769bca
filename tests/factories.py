"""Factories for the domain; every object they make satisfies the database constraints."""

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model

from coordination.models import CoordinatorScope, RequestDocument
from coordination.services.financing_requests import TrancheInput, create_request
from lenders.models import Institution, Product
from projects.domain.credit_code import make_credit_code
from projects.models import Enterprise, EnterpriseFinancials, MajorTask, Region, TechField

_codes = itertools.count(1)


def credit_code() -> str:
    return make_credit_code(f"9131000{next(_codes):010d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password("pw-for-tests")


class ReferenceRowFactory(factory.django.DjangoModelFactory):
    """Regions and fields ship with `migrate` (projects/reference/), so a test database already holds
    the real codes. For a code that exists the factory takes that row and sets only the attributes the
    test names (a test's world states the flags it relies on); a new code is created with
    `creation_defaults`. Declare nothing but `code` on subclasses: every other argument is the test's."""

    class Meta:
        abstract = True

    @classmethod
    def creation_defaults(cls, code: str) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _create(cls, model_class, *args, code: str, **given):
        row = model_class.objects.filter(code=code).first()
        if row is None:
            return model_class.objects.create(code=code, **{**cls.creation_defaults(code), **given})
        if given:
            for name, value in given.items():
                setattr(row, name, value)
            row.save(update_fields=list(given))
        return row


class RegionFactory(ReferenceRowFactory):
    class Meta:
        model = Region

    code = "310000"

    @classmethod
    def creation_defaults(cls, code: str) -> dict[str, Any]:
        return {"name": f"Region {code}"}


class TechFieldFactory(ReferenceRowFactory):
    class Meta:
        model = TechField

    code = factory.Sequence(lambda n: f"field-{n}")

    @classmethod
    def creation_defaults(cls, code: str) -> dict[str, Any]:
        return {"name": code, "hard_tech": True}


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise
        skip_postgeneration_save = True

    credit_code = factory.LazyFunction(credit_code)
    name = factory.Sequence(lambda n: f"Enterprise {n}")
    region = factory.SubFactory(RegionFactory, code="310115")
    founded_on = date(2018, 3, 1)
    stage = "growth"
    industry = "software_it"
    employees = 80
    tech_sme_registration_no = "202631011500001"
    tech_sme_registration_year = 2026

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)

    @factory.post_generation
    def managers(self, create, extracted, **kwargs):
        """Managers are members too (coordination/services/enterprise_onboarding.py keeps them so)."""
        if create and extracted:
            self.members.add(*extracted)
            self.managers.add(*extracted)

    @factory.post_generation
    def financials(self, create, extracted, **kwargs):
        if create and extracted is not False:
            FinancialsFactory(enterprise=self, year=2025)


class FinancialsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseFinancials

    enterprise = factory.SubFactory(EnterpriseFactory, financials=False)
    year = 2025
    revenue = Decimal("30000000")
    total_assets = Decimal("50000000")
    total_costs = Decimal("25000000")
    rnd_expense = Decimal("3000000")
    staff = 80
    st_staff = 30
    invention_patents = 2
    class_ii_ip = 5


class MajorTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MajorTask

    code = factory.Sequence(lambda n: f"2026YFB{n:05d}")
    title = "Key task"
    field = factory.SubFactory(TechFieldFactory)
    level = "national"
    lead_enterprise = factory.SubFactory(EnterpriseFactory)
    budget = Decimal("500000000")
    fiscal_funding = Decimal("200000000")
    financing_gap = Decimal("300000000")
    starts_on = date(2026, 1, 1)
    ends_on = date(2029, 12, 31)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Institution {n}")
    kind = "bank"
    credit_code = factory.LazyFunction(credit_code)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


INSTRUMENT_OF_KIND = {
    "bank": "credit_loan",
    "insurer": "rd_insurance",
    "vc": "equity",
    "guarantor": "guarantee",
}


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    instrument = factory.LazyAttribute(lambda p: INSTRUMENT_OF_KIND[p.institution.kind])
    min_amount = Decimal("1000000")
    max_amount = Decimal("100000000")
    min_term_months = 6
    max_term_months = 60
    yearly_capacity = Decimal("1000000000")
    active_from = date(2025, 1, 1)


def coordinator(username: str, *, national: bool = False, regions: list[Region] = ()):
    user = UserFactory(username=username, is_staff=True)
    scope, _ = CoordinatorScope.objects.get_or_create(user=user, defaults={"national": national})
    scope.regions.add(*regions)
    return user


def attach_required_documents(request, user) -> None:
    from django.conf import settings
    from django.core.files.base import ContentFile

    for kind in settings.SCREENING_REQUIRED_DOCUMENTS:
        RequestDocument.objects.create(
            request=request,
            kind=kind,
            file=ContentFile(b"%PDF-1.4 demo", name=f"{kind}.pdf"),
            original_name=f"{kind}.pdf",
            content_type="application/pdf",
            size=13,
            uploaded_by=user,
        )


def draft_request(
    *,
    user,
    enterprise,
    tranches=(("credit_loan", "3000000"),),
    major_task=None,
    documents=True,
    term_months=24,
):
    request = create_request(
        user=user,
        enterprise_id=enterprise.pk,
        purpose="Pilot production line",
        amount=sum(Decimal(a) for _, a in tranches),
        term_months=term_months,
        tranches=[TrancheInput(i, Decimal(a)) for i, a in tranches],
        major_task_id=major_task.pk if major_task else None,
    )
    if documents:
        attach_required_documents(request, user)
    return request


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF (blank A4 pages), as the upload checks parse it."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
