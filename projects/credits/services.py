"""Use cases on innovation credits: publish a draft, clone a version, compute yearly scores in batches.

Scores are written in batches of enterprises (by id), each batch one transaction and a fixed number of
queries; cohort percentiles are written afterwards for the whole (model, year), because a percentile
needs the whole cohort.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext

from config.api.domain_errors import Conflict

from ..models import Enterprise, EnterpriseFinancials
from ..models_credits import CreditIndicator, CreditModel, InnovationCreditScore
from .choices import IndicatorGroup, ModelStatus
from .metrics import MetricInput, YearFigures, compute_metrics
from .scoring import IndicatorSpec, Scorer, check_weights, percentile_ranks, score

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
COPIED_INDICATOR_FIELDS = (
    "position",
    "code",
    "name",
    "group",
    "metric",
    "curve",
    "params",
    "weight_startup",
    "weight_growth",
    "weight_stable",
    "bonus",
    "rationale",
)


class CreditModelError(Conflict, ValueError):
    """The model version cannot be used that way (a draft to score with, a broken draft to publish…)."""

    code = "credit_model_unusable"


# ----------------------------------------------------------------------------------------------
# Versions


def fingerprint(specs: list[IndicatorSpec], bonus_cap: Decimal = Decimal(0)) -> str:
    """SHA-256 over the canonical JSON of every indicator (and the bonus cap): two versions score alike
    iff this matches. A version without bonus items or cap has the canonical form it had before bonus
    items existed, so the fingerprints stored then still match."""
    indicators = []
    for s in sorted(specs, key=lambda s: s.code):
        line: dict[str, object] = {
            "code": s.code,
            "group": s.group,
            "metric": s.metric,
            "curve": s.curve,
            "params": s.params,
            "weights": {stage: str(Decimal(w).normalize()) for stage, w in sorted(s.weights.items())},
        }
        if s.bonus:
            line["bonus"] = True
        indicators.append(line)
    canonical: list | dict = indicators
    if Decimal(bonus_cap):
        canonical = {"bonus_cap": str(Decimal(bonus_cap).normalize()), "indicators": indicators}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


def model_fingerprint(model: CreditModel) -> str:
    return fingerprint(model.specs(), model.bonus_cap)


def publish_model(*, model_id: int) -> CreditModel:
    """Check a draft (weights add up to 100 at every stage, curves valid) and publish it for good."""
    with transaction.atomic():
        model = CreditModel.objects.select_for_update().get(pk=model_id)
        if model.is_published:
            raise CreditModelError(
                gettext("Model %(version)s is already published.") % {"version": model.version}
            )
        specs = model.specs()
        problems = check_weights(specs, model.bonus_cap)
        if problems:
            raise CreditModelError(
                gettext("Model %(version)s cannot be published: %(problems)s")
                % {"version": model.version, "problems": "; ".join(problems)}
            )
        now = timezone.now()
        digest = fingerprint(specs, model.bonus_cap)
        CreditModel.objects.filter(pk=model.pk, status=ModelStatus.DRAFT).update(
            status=ModelStatus.PUBLISHED, published_at=now, fingerprint=digest
        )
    model.refresh_from_db()
    logger.info("innovation credit model %s published (%s)", model.version, digest[:12])
    return model


def next_version(version: str) -> str:
    """ "2.0" -> "2.1" (or the first free minor version after it); other strings get "-draft"."""
    major, _, minor = version.partition(".")
    taken = set(CreditModel.objects.values_list("version", flat=True))
    if major.isdigit() and minor.isdigit():
        number = int(minor) + 1
        while f"{major}.{number}" in taken:
            number += 1
        return f"{major}.{number}"
    candidate, n = f"{version}-draft", 2
    while candidate in taken:
        candidate, n = f"{version}-draft{n}", n + 1
    return candidate


def clone_model(*, model_id: int, version: str | None = None, name: str | None = None) -> CreditModel:
    """A new draft with the same indicators, to edit and publish as the next version."""
    with transaction.atomic():
        source = CreditModel.objects.get(pk=model_id)
        draft = CreditModel.objects.create(
            version=version or next_version(source.version),
            name=name or source.name,
            description=source.description,
            bonus_cap=source.bonus_cap,
            based_on=source,
        )
        CreditIndicator.objects.bulk_create(
            CreditIndicator(model=draft, **{f: getattr(i, f) for f in COPIED_INDICATOR_FIELDS})
            for i in source.indicators.all()
        )
    return draft


# ----------------------------------------------------------------------------------------------
# Scores


def cohort_of(enterprise: Enterprise, stage: str | None = None) -> str:
    """Province (first two digits of the GB/T 2260 code) × stage: districts are too small to rank in."""
    return f"{enterprise.region.code[:2]}0000:{stage or enterprise.stage}"


def _figures(row: EnterpriseFinancials) -> YearFigures:
    return YearFigures(
        revenue=row.revenue,
        total_costs=row.total_costs,
        rnd_expense=row.rnd_expense,
        staff=row.staff,
        st_staff=row.st_staff,
        class_i_ip=row.class_i_ip,
        class_ii_ip=row.class_ii_ip,
        tech_contract_turnover=row.tech_contract_turnover,
        vc_received=row.vc_received,
    )


def metric_input(enterprise: Enterprise, year: int, rows: list[EnterpriseFinancials]) -> MetricInput | None:
    """The inputs for `year` from prefetched financials and fields; None without that year's figures."""
    by_year = {row.year: row for row in rows}
    current = by_year.get(year)
    if current is None:
        return None
    previous = by_year.get(year - 1)
    return MetricInput(
        year=year,
        figures=_figures(current),
        previous=_figures(previous) if previous else None,
        high_tech_certificate_no=enterprise.high_tech_certificate_no,
        high_tech_valid_until=enterprise.high_tech_valid_until,
        tech_sme_registration_no=enterprise.tech_sme_registration_no,
        specialised_status=enterprise.specialised_status,
        national_award_year=enterprise.national_award_year,
        provincial_rnd_institution=enterprise.provincial_rnd_institution,
        led_standard_year=enterprise.led_standard_year,
        hard_tech_field=any(f.hard_tech for f in enterprise.fields.all()),
    )


def _published(model_id: int) -> CreditModel:
    model = CreditModel.objects.get(pk=model_id)
    if not model.is_published:
        raise CreditModelError(
            gettext("Model %(version)s is a draft: publish it before scoring with it.")
            % {"version": model.version}
        )
    return model


def score_enterprise(model: CreditModel, scorer: Scorer, enterprise: Enterprise, data: MetricInput):
    """The unsaved score row for one enterprise (pure apart from reading the prefetched objects)."""
    metrics = compute_metrics(data)
    result = scorer.score(enterprise.stage, metrics)
    return InnovationCreditScore(
        enterprise=enterprise,
        model=model,
        year=data.year,
        stage=enterprise.stage,
        cohort=cohort_of(enterprise),
        total=result.total,
        tech_innovation=result.groups.get(IndicatorGroup.TECH_INNOVATION, Decimal(0)),
        growth_operations=result.groups.get(IndicatorGroup.GROWTH_OPERATIONS, Decimal(0)),
        auxiliary=result.groups.get(IndicatorGroup.AUXILIARY, Decimal(0)),
        groups={group: str(points) for group, points in result.groups.items()},
        bonus=result.bonus,
        breakdown=result.breakdown,
        inputs={str(k): (str(v) if isinstance(v, Decimal) else v) for k, v in metrics.items()},
        model_fingerprint=model.fingerprint,
        computed_at=timezone.now(),
    )


@dataclass(frozen=True)
class BatchResult:
    scored: int
    last_id: int | None  # the highest enterprise id looked at; None when there was nothing left


def compute_batch(
    *,
    model_id: int,
    year: int,
    after_id: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    enterprise_ids: list[int] | None = None,
) -> BatchResult:
    """Score the next `batch_size` enterprises with id > `after_id` (optionally only `enterprise_ids`).

    Five queries whatever the batch size: the model, its indicators, the enterprises, their
    financials for the year and the year before, their fields; then one upsert.
    """
    model = _published(model_id)
    scorer = model.scorer()
    candidates = Enterprise.objects.filter(pk__gt=after_id).order_by("pk").select_related("region")
    if enterprise_ids is not None:
        candidates = candidates.filter(pk__in=enterprise_ids)
    enterprises = list(
        candidates.prefetch_related(
            Prefetch(
                "financials",
                queryset=EnterpriseFinancials.objects.filter(year__in=[year, year - 1]),
            ),
            "fields",
        )[:batch_size]
    )
    if not enterprises:
        return BatchResult(scored=0, last_id=None)
    rows = []
    for enterprise in enterprises:
        data = metric_input(enterprise, year, list(enterprise.financials.all()))
        if data is not None:
            rows.append(score_enterprise(model, scorer, enterprise, data))
    with transaction.atomic():
        InnovationCreditScore.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["enterprise", "model", "year"],
            update_fields=[
                "stage",
                "cohort",
                "total",
                "tech_innovation",
                "growth_operations",
                "auxiliary",
                "groups",
                "bonus",
                "breakdown",
                "inputs",
                "model_fingerprint",
                "computed_at",
            ],
        )
    return BatchResult(scored=len(rows), last_id=enterprises[-1].pk)


def update_percentiles(*, model_id: int, year: int, cohorts: list[str] | None = None) -> int:
    """Percentile of every score of (model, year) within its cohort; returns the rows written."""
    scores = InnovationCreditScore.objects.filter(model_id=model_id, year=year)
    if cohorts is not None:
        scores = scores.filter(cohort__in=cohorts)
    by_cohort: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for pk, cohort, total in scores.values_list("pk", "cohort", "total").iterator(chunk_size=5000):
        by_cohort[cohort][pk] = total
    updates = []
    for members in by_cohort.values():
        for pk, rank in percentile_ranks(members).items():
            updates.append(InnovationCreditScore(pk=pk, percentile=rank, cohort_size=len(members)))
    with transaction.atomic():
        InnovationCreditScore.objects.bulk_update(updates, ["percentile", "cohort_size"], batch_size=1000)
    return len(updates)


def run_batch(
    *, model_id: int, year: int, after_id: int = 0, batch_size: int = DEFAULT_BATCH_SIZE
) -> int | None:
    """One step of a batched run: score a batch and return where the next starts, or, past the last
    enterprise, write the cohort percentiles and return None. The Celery task chains these steps."""
    result = compute_batch(model_id=model_id, year=year, after_id=after_id, batch_size=batch_size)
    if result.last_id is None:
        update_percentiles(model_id=model_id, year=year)
        return None
    return result.last_id


def compute_scores(
    *,
    model_id: int,
    year: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
    enterprise_ids: list[int] | None = None,
) -> int:
    """Score every enterprise with financials for `year` (or only `enterprise_ids`), then the percentiles."""
    after_id, scored = 0, 0
    while True:
        result = compute_batch(
            model_id=model_id,
            year=year,
            after_id=after_id,
            batch_size=batch_size,
            enterprise_ids=enterprise_ids,
        )
        if result.last_id is None:
            break
        scored += result.scored
        after_id = result.last_id
    cohorts = None
    if enterprise_ids is not None:
        cohorts = list(
            InnovationCreditScore.objects.filter(
                model_id=model_id, year=year, enterprise_id__in=enterprise_ids
            )
            .values_list("cohort", flat=True)
            .distinct()
        )
    update_percentiles(model_id=model_id, year=year, cohorts=cohorts)
    return scored


def latest_year() -> int | None:
    """The most recent fiscal year any enterprise reported."""
    return EnterpriseFinancials.objects.order_by("-year").values_list("year", flat=True).first()


def preview(*, model_id: int, enterprise_id: int, year: int):
    """Score one enterprise under any version, drafts included, without saving (for the admin)."""
    model = CreditModel.objects.get(pk=model_id)
    enterprise = (
        Enterprise.objects.select_related("region")
        .prefetch_related(
            Prefetch("financials", queryset=EnterpriseFinancials.objects.filter(year__in=[year, year - 1])),
            "fields",
        )
        .get(pk=enterprise_id)
    )
    data = metric_input(enterprise, year, list(enterprise.financials.all()))
    if data is None:
        return None
    return score(model.specs(), enterprise.stage, compute_metrics(data), model.bonus_cap)


def compute_all_versions(
    *, year: int, enterprise_ids: list[int] | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> dict[str, int]:
    """Score `year` under every published version (a product's or a programme's minimum may name any of
    them, DESIGN §5): enterprises scored, by version."""
    return {
        model.version: compute_scores(
            model_id=model.pk, year=year, batch_size=batch_size, enterprise_ids=enterprise_ids
        )
        for model in CreditModel.objects.published().order_by("published_at", "pk")
    }


__all__ = [
    "CreditModelError",
    "clone_model",
    "compute_all_versions",
    "compute_batch",
    "compute_scores",
    "model_fingerprint",
    "publish_model",
    "run_batch",
    "update_percentiles",
]
