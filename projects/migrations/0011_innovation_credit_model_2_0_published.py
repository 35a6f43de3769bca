"""Ships innovation-credit model "2.0" in its published shape (October 2025), published.

4 groups — innovation input, output, development, impact — and 12 indicators: 9 quantitative ones make a
100-point base, and 3 bonus items (the impact group) add up to 30, so 130 at most (DESIGN §5). The
official sub-indicator names and weights are not public in full: the indicators below map 2.0's
structure onto the data this service holds, and docs/innovation-credits.md says which parts are assumed.
The base does not vary by stage (2.0 publishes no stage weights; each stage gets the same weights).

Frozen here on purpose, like 0003: later code changes must not change what 2.0 means.
"""

import hashlib
import json
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

VERSION = "2.0"
NAME = "创新积分 2.0 (MOST, October 2025)"
DESCRIPTION = (
    "4 groups — innovation input 35, innovation output 30, innovation development 35 (9 quantitative "
    "indicators, a 100-point base) and innovation impact (3 bonus items: a national or industry standard "
    "15, a national S&T award 10, 'specialised, refined, distinctive and novel' status 10, together at "
    "most 30). Scores run from 0 to 130. 2.0 links the score to loans, investment, insurance and "
    "guarantees, risk compensation, interest subsidies and the special guarantee plan. Indicator weights "
    "and curves are this service's reading of the published structure. See docs/innovation-credits.md."
)
BONUS_CAP = Decimal("30")

M = 1_000_000
RND_SHARE_BANDS = [["0.02", 20], ["0.03", 40], ["0.04", 60], ["0.05", 80], ["0.06", 100]]
STAFF_SHARE_BANDS = [["0.10", 20], ["0.15", 40], ["0.20", 60], ["0.25", 80], ["0.30", 100]]

# code, name, group, metric, curve, params, weight (every stage), bonus, why
INDICATORS = [
    # Innovation input: 35
    ("rnd_intensity", "研发投入强度 R&D share of revenue", "innovation_input", "rnd_intensity", "bands",
     {"bands": RND_SHARE_BANDS}, 15, False,
     "The tech-SME evaluation's 2–6% bands: effort relative to the business."),
    ("rnd_expense", "研发费用总额 R&D expense", "innovation_input", "rnd_expense", "log",
     {"zero": 0, "full": 50 * M}, 10, False,
     "Absolute R&D effort; log scale so the first millions count most, full at 50 M yuan."),
    ("st_staff_share", "科技人员占比 S&T staff share", "innovation_input", "st_staff_share", "bands",
     {"bands": STAFF_SHARE_BANDS}, 10, False,
     "The tech-SME evaluation's 10–30% bands."),
    # Innovation output: 30
    ("class_i_ip", "I类知识产权 Class-I IP", "innovation_output", "class_i_ip", "bands",
     {"bands": [[1, 40], [2, 55], [3, 70], [5, 85], [10, 100]]}, 15, False,
     "Invention patents and other class-I IP: the hardest evidence of owned technology."),
    ("class_ii_ip", "II类知识产权 Class-II IP", "innovation_output", "class_ii_ip", "bands",
     {"bands": [[1, 25], [2, 50], [3, 75], [4, 100]]}, 5, False,
     "Utility models, designs, software copyrights; the tech-SME steps of 1–4 items."),
    ("tech_contract_turnover", "技术合同成交额 Technology-contract turnover", "innovation_output",
     "tech_contract_turnover", "log", {"zero": 0, "full": 20 * M}, 10, False,
     "Technology sold or licensed: the market's view of the R&D; full at 20 M yuan."),
    # Innovation development: 35
    ("revenue_growth", "营业收入增长率 Revenue growth", "innovation_development", "revenue_growth", "linear",
     {"zero": "-0.10", "full": "0.50"}, 15, False,
     "0 points at a 10% fall, full at 50% growth; no points without the year before."),
    ("revenue", "营业收入 Revenue", "innovation_development", "revenue", "log",
     {"zero": 1 * M, "full": 500 * M}, 10, False,
     "Scale of the business the innovation has built."),
    ("vc_received", "获得股权投资 Venture capital received", "innovation_development", "vc_received", "log",
     {"zero": 0, "full": 100 * M}, 10, False,
     "Equity raised in the year: investors' due diligence already passed; full at 100 M yuan."),
    # Innovation impact: bonus items, together at most BONUS_CAP
    ("standard", "参与制定国家或行业标准 National or industry standard (5 years)", "innovation_impact",
     "led_standard_recent", "boolean", {"true": 100, "false": 0}, 15, True,
     "Bonus 15. The data records leading a standard in the last five years; that is what counts here."),
    ("national_award", "国家科技奖励 National S&T award (5 years)", "innovation_impact",
     "national_award_recent", "boolean", {"true": 100, "false": 0}, 10, True,
     "Bonus 10: a national science-and-technology award in the last five years."),
    ("specialised", "专精特新 Specialised status", "innovation_impact", "specialised_status", "choice",
     {"points": {"none": 0, "provincial": 50, "little_giant": 100}}, 10, True,
     "Bonus 10 for a national 'little giant', 5 for a provincial 'specialised, refined, distinctive and "
     "novel' SME."),
]


def _fingerprint(rows, bonus_cap):
    # Same canonical form as projects.credits.services.fingerprint, frozen here.
    indicators = []
    for code, _name, group, metric, curve, params, weight, bonus, _why in sorted(rows, key=lambda r: r[0]):
        line = {
            "code": code,
            "group": group,
            "metric": metric,
            "curve": curve,
            "params": params,
            "weights": {stage: str(Decimal(weight).normalize()) for stage in sorted(("startup", "growth", "stable"))},
        }
        if bonus:
            line["bonus"] = True
        indicators.append(line)
    canonical = {"bonus_cap": str(bonus_cap.normalize()), "indicators": indicators}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


def create_model(apps, schema_editor):
    CreditModel = apps.get_model("projects", "CreditModel")
    CreditIndicator = apps.get_model("projects", "CreditIndicator")
    if CreditModel.objects.filter(version=VERSION).exists():
        return
    base = sum(row[6] for row in INDICATORS if not row[7])
    assert base == 100, f"base weights add up to {base}"
    model = CreditModel.objects.create(
        version=VERSION,
        name=NAME,
        description=DESCRIPTION,
        status="published",
        published_at=timezone.now(),
        bonus_cap=BONUS_CAP,
        fingerprint=_fingerprint(INDICATORS, BONUS_CAP),
    )
    CreditIndicator.objects.bulk_create(
        CreditIndicator(
            model=model,
            position=position,
            code=code,
            name=name,
            group=group,
            metric=metric,
            curve=curve,
            params=params,
            weight_startup=Decimal(weight),
            weight_growth=Decimal(weight),
            weight_stable=Decimal(weight),
            bonus=bonus,
            rationale=why,
        )
        for position, (code, name, group, metric, curve, params, weight, bonus, why) in enumerate(
            INDICATORS, start=1
        )
    )


def remove_model(apps, schema_editor):
    CreditModel = apps.get_model("projects", "CreditModel")
    CreditIndicator = apps.get_model("projects", "CreditIndicator")
    InnovationCreditScore = apps.get_model("projects", "InnovationCreditScore")
    InnovationCreditScore.objects.filter(model__version=VERSION).delete()
    CreditIndicator.objects.filter(model__version=VERSION).delete()
    CreditModel.objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0010_credit_model_2024_trial_named")]

    operations = [migrations.RunPython(create_model, remove_model)]
