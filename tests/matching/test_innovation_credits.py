"""Innovation credits: the shipped model 2.0, curves, yearly scores, percentiles, immutable versions."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from projects import tasks
from projects.credits import services
from projects.credits.choices import TRIAL_2024, IndicatorGroup
from projects.credits.metrics import MetricInput, YearFigures, compute_metrics, rnd_intensity
from projects.credits.scoring import CurveError, check_weights, curve_points, percentile_ranks, validate_curve
from projects.credits.selectors import current_credit
from projects.models import CreditIndicator, CreditModel, InnovationCreditScore, PublishedModelImmutable
from tests import factories as f

pytestmark = pytest.mark.django_db

# ----------------------------------------------------------------------------------------------
# The shipped model


TRIAL_GROUPS = (IndicatorGroup.TECH_INNOVATION, IndicatorGroup.GROWTH_OPERATIONS, IndicatorGroup.AUXILIARY)


def test_the_2024_trial_version_ships_published_with_18_indicators_in_three_groups():
    model = CreditModel.objects.get(version=TRIAL_2024)
    assert model.is_published and model.published_at is not None and model.bonus_cap == 0
    indicators = list(model.indicators.all())
    assert len(indicators) == 18 and not any(i.bonus for i in indicators)
    groups = {i.group for i in indicators}
    assert groups == set(TRIAL_GROUPS)
    expected = {
        "startup": (60, 20, 20),
        "growth": (50, 35, 15),
        "stable": (40, 45, 15),
    }
    for stage, shares in expected.items():
        by_group = [
            sum(i.weight_for(stage) for i in indicators if i.group == group) for group in TRIAL_GROUPS
        ]
        assert by_group == [Decimal(s) for s in shares]
    assert check_weights(model.specs()) == []
    assert services.model_fingerprint(model) == model.fingerprint
    assert CreditModel.objects.current().version == "2.0"  # published after it


# ----------------------------------------------------------------------------------------------
# Curves and metrics (pure)


@pytest.mark.parametrize(
    ("curve", "params", "value", "points"),
    [
        ("linear", {"zero": "-0.10", "full": "0.50"}, Decimal("0.20"), Decimal("50.00")),
        ("linear", {"zero": "-0.10", "full": "0.50"}, Decimal("-1"), Decimal("0.00")),
        ("linear", {"zero": "-0.10", "full": "0.50"}, Decimal("2"), Decimal("100.00")),
        ("linear", {"zero": 10, "full": 2}, Decimal("4"), Decimal("75.00")),  # falling values score
        ("log", {"zero": 0, "full": 99}, Decimal("9"), Decimal("50.00")),  # ln(10) / ln(100)
        ("log", {"zero": 0, "full": 99}, Decimal("0"), Decimal("0.00")),
        (
            "bands",
            {"bands": [["0.02", 20], ["0.06", 100]]},
            Decimal("0.06"),
            Decimal("100.00"),
        ),  # edge: higher
        ("bands", {"bands": [["0.02", 20], ["0.06", 100]]}, Decimal("0.0599"), Decimal("20.00")),
        ("bands", {"bands": [["0.02", 20], ["0.06", 100]]}, Decimal("0.01"), Decimal("0.00")),
        ("boolean", {"true": 100, "false": 0}, True, Decimal("100.00")),
        ("boolean", {}, False, Decimal("0.00")),
        ("choice", {"points": {"provincial": 60}}, "provincial", Decimal("60.00")),
        ("choice", {"points": {"provincial": 60}}, "unknown", Decimal("0.00")),
        ("linear", {"zero": 0, "full": 1}, None, Decimal("0")),  # no data
    ],
)
def test_curves(curve, params, value, points):
    validate_curve(curve, params)
    assert curve_points(curve, params, value) == points


@pytest.mark.parametrize(
    ("curve", "params"),
    [
        ("linear", {"zero": 1}),
        ("linear", {"zero": 1, "full": 1}),
        ("log", {"zero": -1, "full": 10}),
        ("bands", {"bands": [[2, 10], [1, 20]]}),
        ("bands", {"bands": [[1, 120]]}),
        ("choice", {"points": {}}),
        ("spline", {}),
    ],
)
def test_invalid_curves_are_refused(curve, params):
    with pytest.raises(CurveError):
        validate_curve(curve, params)


def test_percentile_ranks_count_half_of_the_ties():
    ranks = percentile_ranks({1: Decimal(10), 2: Decimal(20), 3: Decimal(20), 4: Decimal(40)})
    assert ranks == {1: Decimal("12.50"), 2: Decimal("50.00"), 3: Decimal("50.00"), 4: Decimal("87.50")}


def _figures(**kwargs):
    values = {
        "revenue": Decimal(10_000_000),
        "total_costs": Decimal(8_000_000),
        "rnd_expense": Decimal(600_000),
        "staff": 50,
        "st_staff": 15,
        "class_i_ip": 2,
        "class_ii_ip": 3,
        "tech_contract_turnover": Decimal(0),
        "vc_received": Decimal(0),
    }
    return YearFigures(**{**values, **kwargs})


def test_metrics_from_figures():
    data = MetricInput(
        year=2025,
        figures=_figures(),
        previous=_figures(revenue=Decimal(8_000_000), staff=40),
        high_tech_certificate_no="GR1",
        high_tech_valid_until=None,
        tech_sme_registration_no="",
        specialised_status="provincial",
        national_award_year=2021,
        provincial_rnd_institution=False,
        led_standard_year=2020,
        hard_tech_field=True,
    )
    metrics = compute_metrics(data)
    assert metrics["rnd_intensity"] == Decimal("0.0600")
    assert metrics["st_staff_share"] == Decimal("0.3000")
    assert metrics["revenue_growth"] == Decimal("0.2500")
    assert metrics["staff_growth"] == Decimal("0.2500")
    assert metrics["rnd_growth"] == Decimal("0.0000")
    assert metrics["national_award_recent"] is True  # 2021–2025 are the five years up to 2025
    assert metrics["led_standard_recent"] is False
    assert metrics["high_tech_valid"] is True and metrics["tech_sme_registered"] is False
    without_history = compute_metrics(MetricInput(**{**data.__dict__, "previous": None}))
    assert without_history["revenue_growth"] is None


def test_rnd_intensity_without_revenue_reads_costs_at_one_fifth():
    assert rnd_intensity(_figures(revenue=Decimal(0), rnd_expense=Decimal(2_400_000))) == Decimal("0.0600")
    assert rnd_intensity(_figures(revenue=Decimal(0), total_costs=Decimal(0))) is None


# ----------------------------------------------------------------------------------------------
# Yearly scores


@pytest.fixture
def cohort(db):
    region = f.RegionFactory(code="310115")
    other_region = f.RegionFactory(code="110108")
    weak = f.EnterpriseFactory(region=region, financials=False)
    middle = f.EnterpriseFactory(region=region, financials=False)
    strong = f.EnterpriseFactory(
        region=region, financials=False, high_tech_certificate_no="GR2024", specialised_status="little_giant"
    )
    elsewhere = f.EnterpriseFactory(region=other_region, financials=False)
    no_figures = f.EnterpriseFactory(region=region, financials=False)
    for enterprise, rnd, patents in ((weak, 100_000, 0), (middle, 1_500_000, 2), (strong, 9_000_000, 12)):
        f.FinancialsFactory(enterprise=enterprise, year=2024, revenue=Decimal(20_000_000))
        f.FinancialsFactory(
            enterprise=enterprise, year=2025, rnd_expense=Decimal(rnd), invention_patents=patents
        )
    f.FinancialsFactory(enterprise=elsewhere, year=2025)
    f.FinancialsFactory(enterprise=no_figures, year=2023)
    return {
        "weak": weak,
        "middle": middle,
        "strong": strong,
        "elsewhere": elsewhere,
        "no_figures": no_figures,
    }


def _scores(model, year=2025):
    return {s.enterprise_id: s for s in InnovationCreditScore.objects.filter(model=model, year=year)}


def test_yearly_scores_with_breakdown_and_cohort_percentiles(cohort):
    model = CreditModel.objects.get(version=TRIAL_2024)
    assert services.compute_scores(model_id=model.pk, year=2025) == 4
    scores = _scores(model)
    assert cohort["no_figures"].pk not in scores
    weak, middle, strong = (scores[cohort[k].pk] for k in ("weak", "middle", "strong"))
    assert weak.total < middle.total < strong.total
    assert (weak.percentile, middle.percentile, strong.percentile) == (
        Decimal("16.67"),
        Decimal("50.00"),
        Decimal("83.33"),
    )
    assert strong.cohort == "310000:growth" and strong.cohort_size == 3
    elsewhere = scores[cohort["elsewhere"].pk]
    assert elsewhere.cohort == "110000:growth" and elsewhere.percentile == Decimal("50.00")
    assert len(strong.breakdown) == 18
    assert sum(Decimal(line["contribution"]) for line in strong.breakdown) == strong.total
    assert strong.tech_innovation + strong.growth_operations + strong.auxiliary == strong.total
    assert strong.model_fingerprint == model.fingerprint
    assert current_credit(cohort["strong"].pk) == strong


def test_batches_give_the_same_scores_as_one_run(cohort):
    model = CreditModel.objects.current()
    services.compute_scores(model_id=model.pk, year=2025, batch_size=500)
    once = {pk: (s.total, s.percentile) for pk, s in _scores(model).items()}
    InnovationCreditScore.objects.all().delete()
    services.compute_scores(model_id=model.pk, year=2025, batch_size=1)
    assert {pk: (s.total, s.percentile) for pk, s in _scores(model).items()} == once


def test_celery_task_chains_batches_and_ends_with_percentiles(cohort, monkeypatch):
    model = CreditModel.objects.current()
    calls = []

    def run_inline(*args):
        calls.append(args)
        tasks.compute_innovation_credits.apply(args=args)

    monkeypatch.setattr(tasks.compute_innovation_credits, "delay", run_inline)
    tasks.compute_innovation_credits.apply(args=(model.pk, 2025, 0, 2))
    scores = _scores(model)
    assert len(scores) == 4 and all(s.percentile is not None for s in scores.values())
    assert len(calls) == 3  # batches of two over five enterprises, then the empty one that finishes


def test_management_command(cohort, capsys):
    call_command("compute_innovation_credits", "--year", "2025", "--batch-size", "2")
    assert "Scored 4 enterprises for 2025 under model 2.0" in capsys.readouterr().out
    call_command("compute_innovation_credits", "--enterprise", str(cohort["weak"].pk))
    assert "Scored 1 enterprises for 2025" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No innovation credit model"):
        call_command("compute_innovation_credits", "--model", "9.9")
    draft = services.clone_model(model_id=CreditModel.objects.current().pk)
    with pytest.raises(CommandError, match="draft"):
        call_command("compute_innovation_credits", "--model", draft.version)


def test_drafts_do_not_score(cohort):
    draft = services.clone_model(model_id=CreditModel.objects.current().pk)
    with pytest.raises(services.CreditModelError):
        services.compute_scores(model_id=draft.pk, year=2025)
    preview = services.preview(model_id=draft.pk, enterprise_id=cohort["strong"].pk, year=2025)
    assert preview.total > 0  # a draft can be previewed, not stored


# ----------------------------------------------------------------------------------------------
# Versions


def _move_weight(draft, source_code, target_code, amount):
    source = draft.indicators.get(code=source_code)
    target = draft.indicators.get(code=target_code)
    for indicator, delta in ((source, -amount), (target, amount)):
        for stage in ("startup", "growth", "stable"):
            field = f"weight_{stage}"
            setattr(indicator, field, getattr(indicator, field) + delta)
        indicator.save()


def test_a_2_0_score_stays_reproducible_after_2_1_is_published(cohort):
    v20 = CreditModel.objects.get(version="2.0")
    services.compute_scores(model_id=v20.pk, year=2025)
    before = {pk: (s.total, s.breakdown, s.percentile) for pk, s in _scores(v20).items()}

    draft = services.clone_model(model_id=v20.pk)
    assert draft.version == "2.1" and draft.based_on == v20 and not draft.is_published
    _move_weight(draft, "revenue", "vc_received", Decimal(2))
    v21 = services.publish_model(model_id=draft.pk)
    assert v21.is_published and v21.fingerprint != v20.fingerprint
    assert CreditModel.objects.current() == v21

    services.compute_scores(model_id=v20.pk, year=2025)
    after = {pk: (s.total, s.breakdown, s.percentile) for pk, s in _scores(v20).items()}
    assert after == before
    v20.refresh_from_db()
    assert services.model_fingerprint(v20) == v20.fingerprint
    stored = _scores(v20)[cohort["strong"].pk]
    assert (
        services.preview(model_id=v20.pk, enterprise_id=cohort["strong"].pk, year=2025).total == stored.total
    )

    services.compute_scores(model_id=v21.pk, year=2025)
    assert _scores(v21)[cohort["strong"].pk].total != stored.total
    # Matching now reads the newest version's score.
    assert current_credit(cohort["strong"].pk).model == v21


def test_a_published_version_refuses_edits():
    model = CreditModel.objects.get(version="2.0")
    indicator = model.indicators.first()
    indicator.weight_growth += 1
    with pytest.raises(PublishedModelImmutable):
        indicator.save()
    with pytest.raises(PublishedModelImmutable):
        indicator.delete()
    with pytest.raises(PublishedModelImmutable):
        CreditIndicator.objects.filter(model=model).update(weight_growth=0)
    with pytest.raises(PublishedModelImmutable):
        CreditIndicator.objects.filter(model=model).delete()
    with pytest.raises(PublishedModelImmutable):
        CreditIndicator(model=model, code="local", name="x", group="auxiliary", metric="revenue").save()
    model.name = "renamed"
    with pytest.raises(PublishedModelImmutable):
        model.save()
    with pytest.raises(PublishedModelImmutable):
        CreditModel.objects.filter(pk=model.pk).update(name="renamed")
    with pytest.raises(PublishedModelImmutable):
        model.delete()
    # Moving an indicator of a draft into the published version is refused too.
    draft = services.clone_model(model_id=model.pk)
    moved = draft.indicators.first()
    moved.model = model
    with pytest.raises(PublishedModelImmutable):
        moved.save()
    model.refresh_from_db()
    assert model.name != "renamed" and model.indicators.count() == 12


def test_a_draft_is_edited_then_checked_before_it_is_published():
    draft = services.clone_model(model_id=CreditModel.objects.get(version="2.0").pk, version="local-sh")
    draft.name = "Shanghai local"
    draft.save()
    indicator = draft.indicators.get(code="revenue")
    indicator.weight_growth += 5
    indicator.save()
    with pytest.raises(services.CreditModelError, match="growth stage add up to 105"):
        services.publish_model(model_id=draft.pk)
    indicator.weight_growth -= 5
    indicator.params = {"zero": 1}
    indicator.save()
    with pytest.raises(services.CreditModelError, match="revenue"):
        services.publish_model(model_id=draft.pk)
    indicator.params = {"zero": 1_000_000, "full": 300_000_000}
    indicator.save()
    published = services.publish_model(model_id=draft.pk)
    assert published.is_published
    with pytest.raises(services.CreditModelError, match="already published"):
        services.publish_model(model_id=draft.pk)


def test_next_version_numbers():
    v20 = CreditModel.objects.get(version="2.0")
    assert services.next_version("2.0") == "2.1"
    services.clone_model(model_id=v20.pk)
    assert services.next_version("2.0") == "2.2"
    assert services.next_version("local") == "local-draft"
