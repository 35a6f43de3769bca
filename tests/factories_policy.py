"""Policy programmes for tests: published, national and open-ended unless the test says otherwise."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from coordination.choices import IssuerLevel
from coordination.models import PolicyProgramme
from coordination.policies.parameters import validated


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyProgramme
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")
    level = factory.LazyAttribute(lambda p: IssuerLevel.MUNICIPAL if p.region else IssuerLevel.NATIONAL)
    region = None
    kind = "interest_subsidy"
    valid_from = date(2025, 1, 1)
    budget = Decimal("100000000")
    published_at = factory.LazyFunction(timezone.now)
    parameters = factory.LazyAttribute(lambda p: validated(p.kind, p.given_parameters)[0])

    class Params:
        given_parameters: dict = {}  # noqa: RUF012  (read, never changed)

    @factory.post_generation
    def fields(self, create, extracted, **kwargs):
        if create and extracted:
            self.fields.add(*extracted)
