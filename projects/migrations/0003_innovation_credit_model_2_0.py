"""Ships innovation-credit model "2.0", published (docs/innovation-credits.md explains every line).

The definition is frozen here on purpose: later code changes must not change what 2.0 means. Edit a
clone (a new draft version) in the admin instead.
"""

import hashlib
import json
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

VERSION = "2.0"
NAME = "创新积分 2.0 (MOST national trial guideline, August 2024)"
DESCRIPTION = (
    "18 indicators in three groups — technology innovation, growth and operations, auxiliary — "
    "weighted per enterprise stage (start-up 60/20/20, growth 50/35/15, stable 40/45/15). "
    "Version 2.0 is the scale on which products state a minimum and on which re-lending and "
    "guarantee programmes read an enterprise's standing. See docs/innovation-credits.md."
)

M = 1_000_000
RND_SHARE_BANDS = [["0.02", 20], ["0.03", 40], ["0.04", 60], ["0.05", 80], ["0.06", 100]]
STAFF_SHARE_BANDS = [["0.10", 20], ["0.15", 40], ["0.20", 60], ["0.25", 80], ["0.30", 100]]

# code, name, group, metric, curve, params, (start-up, growth, stable) weights, why
INDICATORS = [
    # Technology innovation: 60 / 50 / 40
    ("rnd_expense", "研发费用总额 R&D expense", "tech_innovation", "rnd_expense", "log",
     {"zero": 0, "full": 50 * M}, (6, 7, 7),
     "Absolute R&D effort; log scale so the first millions count most, full at 50 M yuan."),
    ("rnd_intensity", "研发费用占营业收入比重 R&D share of revenue", "tech_innovation", "rnd_intensity", "bands",
     {"bands": RND_SHARE_BANDS}, (12, 9, 6),
     "Same 2–6% bands as the tech-SME evaluation; weighs most for start-ups, whose revenue is small."),
    ("st_staff", "科技人员数 S&T staff", "tech_innovation", "st_staff", "log",
     {"zero": 0, "full": 300}, (4, 4, 4),
     "Size of the research team; full at 300 people."),
    ("st_staff_share", "科技人员占比 S&T staff share", "tech_innovation", "st_staff_share", "bands",
     {"bands": STAFF_SHARE_BANDS}, (10, 7, 5),
     "Same 10–30% bands as the tech-SME evaluation."),
    ("class_i_ip", "I类知识产权 Class-I IP", "tech_innovation", "class_i_ip", "bands",
     {"bands": [[1, 40], [2, 55], [3, 70], [5, 85], [10, 100]]}, (12, 10, 8),
     "Invention patents and other class-I IP: the hardest evidence of owned technology."),
    ("class_ii_ip", "II类知识产权 Class-II IP", "tech_innovation", "class_ii_ip", "bands",
     {"bands": [[1, 25], [2, 50], [3, 75], [4, 100]]}, (4, 3, 2),
     "Utility models, designs, software copyrights; the tech-SME steps of 1–4 items."),
    ("tech_contract_turnover", "技术合同成交额 Technology-contract turnover", "tech_innovation",
     "tech_contract_turnover", "log", {"zero": 0, "full": 20 * M}, (6, 6, 5),
     "Technology sold or licensed: the market's view of the enterprise's R&D; full at 20 M yuan."),
    ("led_standard", "牵头制定标准 Led a standard (5 years)", "tech_innovation", "led_standard_recent",
     "boolean", {"true": 100, "false": 0}, (6, 4, 3),
     "Leading an international, national or industry standard signals technical leadership."),
    # Growth and operations: 20 / 35 / 45
    ("revenue", "营业收入 Revenue", "growth_operations", "revenue", "log",
     {"zero": 1 * M, "full": 500 * M}, (2, 7, 12),
     "Scale of the business; counts little for start-ups, most for stable enterprises."),
    ("revenue_growth", "营业收入增长率 Revenue growth", "growth_operations", "revenue_growth", "linear",
     {"zero": "-0.10", "full": "0.50"}, (5, 10, 12),
     "0 points at a 10% fall, full at 50% growth; no points without the year before."),
    ("rnd_growth", "研发费用增长率 R&D growth", "growth_operations", "rnd_growth", "linear",
     {"zero": "-0.10", "full": "0.50"}, (4, 6, 8),
     "Whether R&D effort is sustained; same scale as revenue growth."),
    ("staff_growth", "职工人数增长率 Staff growth", "growth_operations", "staff_growth", "linear",
     {"zero": "-0.05", "full": "0.30"}, (3, 5, 6),
     "Jobs created; full at 30% more staff."),
    ("vc_received", "获得股权投资 Venture capital received", "growth_operations", "vc_received", "log",
     {"zero": 0, "full": 100 * M}, (6, 7, 7),
     "Equity raised in the year: investors' due diligence already passed; full at 100 M yuan."),
    # Auxiliary: 20 / 15 / 15
    ("high_tech", "高新技术企业 High-tech enterprise", "auxiliary", "high_tech_valid", "boolean",
     {"true": 100, "false": 0}, (5, 4, 4),
     "A valid high-tech enterprise certificate at the end of the year."),
    ("tech_sme", "科技型中小企业入库 Registered tech-SME", "auxiliary", "tech_sme_registered", "boolean",
     {"true": 100, "false": 0}, (6, 4, 3),
     "Registration in the national tech-SME database; the entry ticket to most programmes."),
    ("specialised", "专精特新 Specialised status", "auxiliary", "specialised_status", "choice",
     {"points": {"none": 0, "provincial": 60, "little_giant": 100}}, (3, 3, 4),
     "Provincial 'specialised, refined, distinctive and novel' SME 60, national 'little giant' 100."),
    ("national_award", "国家科技奖励 National S&T award (5 years)", "auxiliary", "national_award_recent",
     "boolean", {"true": 100, "false": 0}, (3, 2, 2),
     "A national science-and-technology award in the last five years."),
    ("provincial_rnd_institution", "省级以上研发机构 Provincial R&D institution", "auxiliary",
     "provincial_rnd_institution", "boolean", {"true": 100, "false": 0}, (3, 2, 2),
     "Hosts a provincial-level (or higher) R&D institution."),
]


def _fingerprint(rows):
    # Same canonical form as projects.credits.services.fingerprint, frozen here.
    canonical = [
        {
            "code": code,
            "group": group,
            "metric": metric,
            "curve": curve,
            "params": params,
            "weights": {
                stage: str(Decimal(w).normalize())
                for stage, w in sorted(zip(("startup", "growth", "stable"), weights, strict=True))
            },
        }
        for code, _name, group, metric, curve, params, weights, _why in sorted(rows, key=lambda r: r[0])
    ]
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


def create_model(apps, schema_editor):
    CreditModel = apps.get_model("projects", "CreditModel")
    CreditIndicator = apps.get_model("projects", "CreditIndicator")
    if CreditModel.objects.filter(version=VERSION).exists():
        return
    for stage in range(3):
        total = sum(row[6][stage] for row in INDICATORS)
        assert total == 100, f"stage {stage} weights add up to {total}"
    model = CreditModel.objects.create(
        version=VERSION,
        name=NAME,
        description=DESCRIPTION,
        status="published",
        published_at=timezone.now(),
        fingerprint=_fingerprint(INDICATORS),
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
            weight_startup=Decimal(weights[0]),
            weight_growth=Decimal(weights[1]),
            weight_stable=Decimal(weights[2]),
            rationale=why,
        )
        for position, (code, name, group, metric, curve, params, weights, why) in enumerate(INDICATORS, start=1)
    )


def remove_model(apps, schema_editor):
    CreditModel = apps.get_model("projects", "CreditModel")
    CreditIndicator = apps.get_model("projects", "CreditIndicator")
    InnovationCreditScore = apps.get_model("projects", "InnovationCreditScore")
    InnovationCreditScore.objects.filter(model__version=VERSION).delete()
    CreditIndicator.objects.filter(model__version=VERSION).delete()
    CreditModel.objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_innovation_credits")]

    operations = [migrations.RunPython(create_model, remove_model)]
