"""The seeder's shared ground: block sizes, the anchors' indices, per-row random streams, demo
credit codes and the bulk-write helpers every part uses."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models

from projects.domain.credit_code import make_credit_code

SEED = 20260101
BATCH_SIZE = 2000


ENTERPRISES_PER_BLOCK = 200


INSTITUTIONS_PER_BLOCK = 40


TASKS_PER_BLOCK = 10


FINANCIAL_YEARS = (2023, 2024, 2025)


LATEST_YEAR = FINANCIAL_YEARS[-1]


# The day the generated certificates and registrations are judged against.
AS_OF = date(2026, 1, 1)


SHANGHAI = "310000"


# Anchor indices (block 0).
APPLICANT_ENTERPRISES = (0, 1)


APPLICANT_2_ENTERPRISE = 2


DEMO_BANK, DEMO_VC, DEMO_INSURER, DEMO_BANK_2, DEMO_GUARANTOR = 0, 1, 2, 3, 4


NATIONAL_ANCHOR_TASK = 0


def rng_for(kind: str, index: int) -> random.Random:
    # String seeds are hashed with SHA-512 by `random`, so this is stable across processes.
    return random.Random(f"{SEED}:{kind}:{index}")


_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(body8: str) -> str:
    """Complete an 8-digit organisation-code body with its GB 11714 check character."""
    remainder = (
        11 - sum(int(char) * weight for char, weight in zip(body8, _ORG_CODE_WEIGHTS, strict=True)) % 11
    )
    return body8 + {10: "X", 11: "0"}.get(remainder, str(remainder))


def demo_credit_code(region_code: str, namespace: str, index: int) -> str:
    """'9' (market regulator) + '1' (enterprise) + region + organisation code + check character.

    `namespace` is one digit that keeps enterprises and institutions apart.
    """
    return make_credit_code("91" + region_code + organisation_code(f"{namespace}{index:07d}"))


def bulk_create(model: type[models.Model], objs: list[models.Model], **kwargs: Any) -> int:
    if objs:
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE, **kwargs)
    return len(objs)


def link_pairs(model: type[models.Model], field_name: str, pairs: Iterable[tuple[int, int]]) -> int:
    """Add many-to-many rows that are missing, through the through model (one read, bulk writes)."""
    m2m = model._meta.get_field(field_name)
    through = m2m.remote_field.through
    source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
    existing = set(through.objects.values_list(source, target))
    missing = [through(**{source: a, target: b}) for a, b in dict.fromkeys(pairs) if (a, b) not in existing]
    return bulk_create(through, missing, ignore_conflicts=True)


def reference_ids(model: type[models.Model], codes: Iterable[str]) -> dict[str, int]:
    """Code -> id of the reference rows the demo uses; they arrive with `migrate`, not with the demo."""
    ids = dict(model.objects.values_list("code", "id"))
    missing = sorted(set(codes) - set(ids))
    if missing:
        raise ValueError(
            f"{model.__name__} rows missing, run `manage.py migrate` first: {', '.join(missing)}"
        )
    return ids


def rate_from_bp(bp: int) -> Decimal:
    return Decimal(bp) / Decimal(10_000)
