"""Innovation credit versions (DESIGN §5, issue 14 point 8): the shipped model is the 2024 trial version,
renamed in place; 2.0 ships in its published shape with bonus items capped at 30; a product's minimum names
its version, and the matcher compares it with the enterprise's credit under that version."""

import importlib
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from rest_framework.test import APIClient

from coordination.matching.context import build_context
from coordination.matching.eligibility import ineligibility_reasons, ineligibility_reasons_in_bulk
from projects.credits import services
from projects.credits.choices import TRIAL_2024, IndicatorGroup
from projects.credits.scoring import IndicatorSpec, Scorer, check_weights
from projects.credits.selectors import credit_under, credits_by_version, current_credit, meets_minimum
from projects.models import CreditModel, InnovationCreditScore
from tests import factories as f

from .conftest import ranked

pytestmark = pytest.mark.django_db

RENAME = importlib.import_module("projects.migrations.0010_credit_model_2024_trial_named")
TRIAL_0003 = importlib.import_module("projects.migrations.0003_innovation_credit_model_2_0")
V2_GROUPS = (
    IndicatorGroup.INNOVATION_INPUT,
    IndicatorGroup.INNOVATION_OUTPUT,
    IndicatorGroup.INNOVATION_DEVELOPMENT,
)


# --- the two shipped versions ----------------------------------------------------------------------------


def test_2_0_ships_published_in_its_shape_and_is_the_current_version():
    """Given the migrations, then 2.0 is published with 4 groups and 12 indicators: 9 base ones in input 35,
    output 30 and development 35 at every stage, and 3 bonus items in the impact group (15, 10, 10) capped at
    30; its fingerprint is its definition's; and it is the newest published version."""
    model = CreditModel.objects.get(version="2.0")
    indicators = list(model.indicators.all())
    assert model.is_published and model.bonus_cap == Decimal("30") and model.maximum == Decimal("130")
    assert len(indicators) == 12
    assert {i.group for i in indicators} == {*V2_GROUPS, IndicatorGroup.INNOVATION_IMPACT}
    base = [i for i in indicators if not i.bonus]
    bonus = [i for i in indicators if i.bonus]
    assert len(base) == 9 and len(bonus) == 3
    assert {i.group for i in bonus} == {IndicatorGroup.INNOVATION_IMPACT}
    for stage in ("startup", "growth", "stable"):
        by_group = [sum(i.weight_for(stage) for i in base if i.group == group) for group in V2_GROUPS]
        assert by_group == [Decimal(35), Decimal(30), Decimal(35)]
        assert sorted(i.weight_for(stage) for i in bonus) == [Decimal(10), Decimal(10), Decimal(15)]
    assert check_weights(model.specs(), model.bonus_cap) == []
    assert services.model_fingerprint(model) == model.fingerprint
    assert CreditModel.objects.current() == model


def test_the_shipped_model_is_the_2024_trial_version_in_the_row_0003_created():
    """Given the migrations, then the row named 2024-trial carries the fingerprint of 0003's frozen definition
    and was created before 2.0 (the rename changed its name, not its row)."""
    trial = CreditModel.objects.get(version=TRIAL_2024)
    assert trial.fingerprint == TRIAL_0003._fingerprint(TRIAL_0003.INDICATORS)
    assert trial.pk < CreditModel.objects.get(version="2.0").pk


def test_the_rename_keeps_the_row_its_fingerprint_and_its_scores():
    """Given the database as before the rename (the shipped model called "2.0", with a score under it), when
    the rename migration runs, then the same row (same id, same fingerprint) is called 2024-trial and the
    score still points at it."""
    apps = MigrationLoader(connection).project_state(("projects", "0009_credit_bonus_items")).apps
    Model = apps.get_model("projects", "CreditModel")
    Model.objects.filter(version="2.0").delete()  # the published 2.0 comes only after the rename
    RENAME.rename_back(apps, None)
    shipped = CreditModel.objects.get(version="2.0")
    enterprise = f.EnterpriseFactory()
    score = InnovationCreditScore.objects.create(
        enterprise=enterprise,
        model=shipped,
        year=2025,
        stage=enterprise.stage,
        cohort="310000:growth",
        total=Decimal("61.50"),
        tech_innovation=Decimal("61.50"),
        growth_operations=Decimal("0"),
        auxiliary=Decimal("0"),
        model_fingerprint=shipped.fingerprint,
        computed_at=shipped.created_at,
    )

    RENAME.rename(apps, None)

    renamed = CreditModel.objects.get(pk=shipped.pk)
    assert renamed.version == TRIAL_2024 and renamed.fingerprint == shipped.fingerprint
    assert renamed.indicators.count() == 18 and services.model_fingerprint(renamed) == renamed.fingerprint
    score.refresh_from_db()
    assert score.model_id == shipped.pk and score.model_fingerprint == renamed.fingerprint


# --- bonus items ---------------------------------------------------------------------------------------


def _spec(code, metric, weight, *, bonus=False, group="innovation_input"):
    return IndicatorSpec(
        code=code,
        name=code,
        group=group,
        metric=metric,
        curve="boolean",
        params={},
        weights=dict.fromkeys(("startup", "growth", "stable"), Decimal(weight)),
        bonus=bonus,
    )


BONUS_SPECS = [
    _spec("base", "hard_tech_field", 100),
    _spec("standard", "led_standard_recent", 15, bonus=True, group="innovation_impact"),
    _spec("award", "national_award_recent", 10, bonus=True, group="innovation_impact"),
    _spec("specialised", "high_tech_valid", 10, bonus=True, group="innovation_impact"),
]


@pytest.mark.parametrize(
    ("met", "bonus", "total"),
    [
        ({"base"}, "0.00", "100.00"),
        ({"base", "standard"}, "15.00", "115.00"),
        ({"base", "standard", "award"}, "25.00", "125.00"),
        ({"base", "standard", "award", "specialised"}, "30.00", "130.00"),  # 35 earned, capped at 30
        ({"standard", "award", "specialised"}, "30.00", "30.00"),
    ],
)
def test_bonus_items_add_to_the_base_up_to_the_cap(met, bonus, total):
    """Given a 100-point base and bonus items of 15, 10 and 10 capped at 30; when an enterprise meets some;
    then the bonus is their sum up to 30, on top of the base, and each bonus line says it is one."""
    result = Scorer(BONUS_SPECS, Decimal(30)).score("growth", {s.metric: s.code in met for s in BONUS_SPECS})
    assert (result.bonus, result.total) == (Decimal(bonus), Decimal(total))
    assert result.groups == {"innovation_input": Decimal(100 if "base" in met else 0)}
    assert [line.get("bonus", False) for line in result.breakdown] == [False, True, True, True]


def test_bonus_items_need_a_cap_and_do_not_count_in_the_base_weights():
    """Given base weights of 100 and bonus items; then only a missing cap is a problem."""
    assert check_weights(BONUS_SPECS, Decimal(30)) == []
    assert check_weights(BONUS_SPECS, Decimal(0)) == ["bonus items need a bonus cap above 0"]


def test_2_0_scores_an_enterprise_with_every_bonus_at_most_130():
    """Given a strong enterprise that led a standard, won a national award and is a little giant; when 2.0
    scores it; then its bonus is the cap of 30, its total above 100 and within 130, and the stored score
    keeps its bonus and its group subtotals."""
    enterprise = f.EnterpriseFactory(
        financials=False, specialised_status="little_giant", led_standard_year=2024, national_award_year=2023
    )
    f.FinancialsFactory(enterprise=enterprise, year=2024, revenue=Decimal(20_000_000))
    f.FinancialsFactory(
        enterprise=enterprise,
        year=2025,
        revenue=Decimal(600_000_000),
        rnd_expense=Decimal(60_000_000),
        invention_patents=12,
    )
    model = CreditModel.objects.get(version="2.0")
    services.compute_scores(model_id=model.pk, year=2025, enterprise_ids=[enterprise.pk])
    score = InnovationCreditScore.objects.get(enterprise=enterprise, model=model)
    assert score.bonus == Decimal("30.00")
    assert Decimal(100) < score.total <= Decimal(130)
    assert sum(Decimal(v) for v in score.groups.values()) + score.bonus == score.total
    assert set(score.groups) == set(V2_GROUPS)


# --- a product's minimum names its version -----------------------------------------------------------


@pytest.fixture
def two_versions(market):
    """Given the enterprise scoring 65 under 2.0 and 50 under 2024-trial for 2025."""
    market.score("65.00", model=CreditModel.objects.get(version="2.0"))
    market.score("50.00", model=market.model)
    return market


def test_the_enterprise_s_credit_under_each_version(two_versions):
    """Then its credits by version are 65 and 50, and its current credit is 2.0's (the newest version)."""
    credits = credits_by_version(two_versions.enterprise.pk)
    assert credits == {"2.0": Decimal("65.00"), TRIAL_2024: Decimal("50.00")}
    assert credit_under(credits, "2.0") == Decimal("65.00") and credit_under(credits, "3.0") is None
    assert current_credit(two_versions.enterprise.pk).model.version == "2.0"
    assert meets_minimum(credits, Decimal("60"), "2.0") and not meets_minimum(
        credits, Decimal("60"), TRIAL_2024
    )
    assert meets_minimum({}, Decimal("0"), TRIAL_2024)


def test_a_product_on_2_0_with_minimum_60_matches_and_one_on_2024_trial_does_not(two_versions):
    """Given a product asking for 60 under 2.0 and another asking for 60 under 2024-trial; when matching;
    then the first is eligible (65 under 2.0) and the second is not (50 under 2024-trial) — in the ranking,
    the single check and the bulk check alike, and the refusal names the version."""
    market = two_versions
    on_2_0 = market.product(min_credit_score=Decimal("60"), min_credit_version="2.0")
    on_trial = market.product(min_credit_score=Decimal("60"), min_credit_version=TRIAL_2024)
    request = market.request()
    tranche = request.tranches.get()

    listed = {c.product.pk for c in ranked(request)}
    single = [ineligibility_reasons(p, tranche, request, today=market.today) for p in (on_2_0, on_trial)]
    bulk = ineligibility_reasons_in_bulk(
        build_context(request, today=market.today), [(on_2_0, tranche), (on_trial, tranche)]
    )

    assert on_2_0.pk in listed and on_trial.pk not in listed
    assert single == bulk
    assert single[0] == []
    assert single[1] == ["innovation credit 50.00 under model 2024-trial is below the product's minimum 60"]


def test_the_reverse_scores_reverse_the_match(market):
    """Given the reverse: 50 under 2.0 and 65 under 2024-trial; then the product on 2024-trial matches and the
    one on 2.0 does not."""
    market.score("50.00", model=CreditModel.objects.get(version="2.0"))
    market.score("65.00", model=market.model)
    on_2_0 = market.product(min_credit_score=Decimal("60"), min_credit_version="2.0")
    on_trial = market.product(min_credit_score=Decimal("60"), min_credit_version=TRIAL_2024)
    listed = {c.product.pk for c in ranked(market.request())}
    assert on_trial.pk in listed and on_2_0.pk not in listed


def test_a_minimum_under_a_version_that_never_scored_the_enterprise_is_not_met(market):
    """Given only a 2024-trial score of 90; then a product asking for 10 under 2.0 is not eligible, and one
    without a minimum is."""
    market.score("90.00", model=market.model)
    on_2_0 = market.product(min_credit_score=Decimal("10"), min_credit_version="2.0")
    none = market.product(min_credit_score=Decimal("0"), min_credit_version="2.0")
    listed = {c.product.pk for c in ranked(market.request())}
    assert none.pk in listed and on_2_0.pk not in listed


def test_a_product_s_minimum_defaults_to_the_2024_trial_version():
    """Given a new product without a version; then its minimum is on 2024-trial."""
    assert f.ProductFactory().min_credit_version == TRIAL_2024


# --- scoring every published version -----------------------------------------------------------------


def test_the_command_scores_every_published_version():
    """Given an enterprise with 2025 figures; when the command runs without --model; then it has a 2025 score
    under every published version."""
    enterprise = f.EnterpriseFactory()
    call_command("compute_innovation_credits", "--year", "2025", "--enterprise", str(enterprise.pk))
    versions = set(
        InnovationCreditScore.objects.filter(enterprise=enterprise, year=2025).values_list(
            "model__version", flat=True
        )
    )
    assert versions == {TRIAL_2024, "2.0"}


# --- what readers see ----------------------------------------------------------------------------------


def test_the_api_shows_the_current_credit_and_the_credit_under_an_asked_for_version(two_versions):
    """Given 65 under 2.0 and 50 under 2024-trial; when the applicant reads the enterprise through the API,
    then `innovation_credit` is 2.0's 65 of at most 130; with `credit_version=2024-trial` it is 50 of at most
    100; an unknown version is a 400 naming `credit_version`."""
    client = APIClient()
    client.force_authenticate(two_versions.user)
    url = f"/api/v1/enterprises/{two_versions.enterprise.pk}/"
    current = client.get(url).json()["innovation_credit"]
    assert (current["model"], current["total"], current["maximum"]) == ("2.0", "65.00", "130.00")
    trial = client.get(url, {"credit_version": TRIAL_2024}).json()["innovation_credit"]
    assert (trial["model"], trial["total"], trial["maximum"]) == (TRIAL_2024, "50.00", "100.00")
    refused = client.get(url, {"credit_version": "9.9"})
    assert refused.status_code == 400 and "credit_version" in refused.json()["error"]["fields"]


def test_the_api_shows_a_product_s_minimum_version(market):
    """Given a product asking for 60 under 2.0, then the products API shows both."""
    product = market.product(min_credit_score=Decimal("60"), min_credit_version="2.0")
    client = APIClient()
    client.force_authenticate(market.user)
    payload = client.get(f"/api/v1/products/{product.pk}/").json()
    assert (payload["min_credit_score"], payload["min_credit_version"]) == ("60.00", "2.0")


def test_the_enterprise_page_shows_the_current_credit_and_links_to_each_version(client, two_versions):
    """Given 65 under 2.0 and 50 under 2024-trial; when a member opens the enterprise page, then it shows
    2.0's 65 as a 100-point base plus up to 30 bonus points and links to both versions; asked for
    2024-trial, it shows 50 of 100; asked for a version without a score, it says so."""
    client.force_login(two_versions.user)
    url = f"/sme/enterprises/{two_versions.enterprise.pk}/"
    page = client.get(url).content.decode()
    assert "65.00 points for 2025 (model 2.0): a 100-point base and up to 30 bonus points" in page
    assert f'href="?credit_version={TRIAL_2024}"' in page and 'href="?credit_version=2.0"' in page
    trial = client.get(url, {"credit_version": TRIAL_2024}).content.decode()
    assert "50.00 of 100 points for 2025 (model 2024-trial)." in trial
    missing = client.get(url, {"credit_version": "9.9"})
    assert missing.status_code == 200 and "No innovation credit under model 9.9." in missing.content.decode()
