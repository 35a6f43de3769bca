"""What the applicant's pages say, without a page: money in 万元, offers' prices by instrument, deadlines in
business days."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from coordination.models import Offer, Referral, Tranche, TransitionEvent
from coordination.templatetags.money import percent, wan, yuan
from coordination.views.sme_display import Due, price_of, tranche_blocks
from lenders.models import Institution, Product

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12345600"), "1,234.56 万元"),
        ("3000000", "300.00 万元"),
        (Decimal("50000000.00"), "5,000.00 万元"),
        (1, "0.00 万元"),
        (None, "—"),
        ("", "—"),
        ("not money", "—"),
    ],
)
def test_wan(value, expected):
    """Given yuan, when shown, then in 万元 with two places and separators (a non-number is a dash)."""
    assert wan(value) == expected


def test_yuan_and_percent():
    """Given yuan and a fraction, when shown, then with separators and as a percentage."""
    assert yuan(Decimal("3000000")) == "3,000,000.00 元"
    assert percent(Decimal("0.0345")) == "3.45%" and percent(None) == "—"


@pytest.mark.parametrize(
    ("instrument", "rate", "terms", "expected"),
    [
        ("credit_loan", Decimal("0.0310"), {}, "3.10% a year"),
        ("ip_pledge_loan", Decimal("0.0425"), {}, "4.25% a year"),
        ("rd_insurance", Decimal("0.0120"), {}, "premium rate 1.20%"),
        ("guarantee", Decimal("0.0100"), {}, "guarantee fee 1.00% a year"),
        ("equity", None, {"stake": "0.08", "valuation": "50000000"}, "stake 8.00%, valuation 5,000.00 万元"),
        ("equity", None, {"stake": 12}, "stake 12.00%"),
        ("equity", None, {}, "—"),
        ("credit_loan", None, {}, "—"),
    ],
)
def test_price_of_an_offer_follows_its_instrument(instrument, rate, terms, expected):
    """Given an offer on a tranche of some instrument, when its price is shown, then in its own terms."""
    offer = Offer(amount=Decimal("1"), annual_rate=rate, terms=terms, valid_until=date(2026, 3, 1))
    assert price_of(offer, instrument) == expected


@pytest.mark.parametrize(
    ("left", "due_in", "expected"),
    [
        (3, timedelta(days=4), "3 business days left"),
        (1, timedelta(days=1), "1 business day left"),
        (0, timedelta(hours=2), "due today"),
        (0, -timedelta(hours=2), "overdue"),
        (-2, -timedelta(days=3), "overdue by 2 business days"),
    ],
)
def test_a_deadline_in_words(left, due_in, expected):
    """Given a deadline and the business days left to it, when shown, then in words."""
    now = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(now, tick=False):
        due = Due(label="Triage", waiting_on="", due_at=now + due_in, business_days_left=left)
        assert due.in_words == expected


@pytest.mark.parametrize(
    ("left", "due_in", "expected"),
    [
        (15, timedelta(days=21), "剩余 15 个工作日"),
        (1, timedelta(days=1), "剩余 1 个工作日"),
        (-2, -timedelta(days=3), "已逾期 2 个工作日"),
    ],
)
def test_a_deadline_in_words_reads_in_chinese_under_zh_hans(left, due_in, expected):
    """Given a deadline, when shown under zh-hans, then in the catalogue's Chinese words (the institution's
    pages' own: the strings are extracted, unlike those of a gettext imported under another name)."""
    now = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(now, tick=False), translation.override("zh-hans"):
        due = Due(label="Triage", waiting_on="", due_at=now + due_in, business_days_left=left)
        assert due.in_words == expected


@pytest.mark.parametrize(
    ("status", "actions", "answer"),
    [
        ("sent", [], ""),
        ("reviewing", ["open"], ""),
        ("offered", ["open", "offer"], "Made an offer"),
        ("superseded", ["open", "offer", "supersede"], "Made an offer"),
        ("declined", ["open", "decline"], "Declined"),
        ("superseded", ["supersede"], ""),
    ],
)
def test_a_referrals_answer_is_what_the_institution_did_not_what_became_of_it(status, actions, answer):
    """Given a referral and its events, when its progress is shown, then its answer is the offer or the
    decline it made — an offer stays its answer once another offer won the tranche — and none without."""
    tranche = Tranche(pk=1, position=1, instrument="credit_loan", amount=Decimal("3000000"))
    referral = Referral(
        pk=7,
        tranche=tranche,
        institution=Institution(name="Bank Y"),
        product=Product(name="Y loan"),
        status=status,
    )
    events = [TransitionEvent(object_type="referral", object_id=7, action=action) for action in actions]

    (block,) = tranche_blocks([tranche], [referral], [], events, {}, {})

    (row,) = block.referrals
    assert str(row.answer) == answer
