"""Business days on the Chinese public-holiday calendar, the Holiday table's overrides, and the
deadlines the services open with them. Every expected date is counted by hand in the comments.

2026 calendar used below (State Council notice; the `chinesecalendar` package agrees):
- Spring Festival: off Sun 02-15 .. Mon 02-23; make-up working days Sat 02-14 and Sat 02-28.
- Mid-Autumn Festival: off Fri 09-25.
- National Day: off Thu 10-01 .. Wed 10-07; make-up working days Sun 09-20 and Sat 10-10.
- 2027 is unknown to the package: without Holiday rows, Monday to Friday, with a logged warning.
"""

import logging
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from coordination.models import Deadline, Holiday, Referral
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from coordination.workflow import business_days
from coordination.workflow.business_days import add_business_days, calendar_for
from tests.factories import draft_request

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Fri 02-13 + 1: Sat 02-14 is a make-up working day.
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        # Fri 02-13 + 2: 02-14 (1); 02-15..02-23 off; Tue 02-24 (2).
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        # Tue 02-10 + 10: 02-11 (1), 02-12 (2), 02-13 (3), Sat 02-14 (4), 02-24 (5), 02-25 (6),
        # 02-26 (7), 02-27 (8), Sat 02-28 (9), Sun 03-01 off, Mon 03-02 (10).
        (date(2026, 2, 10), 10, date(2026, 3, 2)),
        # A start on a holiday: Mon 02-16 + 1 is the first day back, Tue 02-24.
        (date(2026, 2, 16), 1, date(2026, 2, 24)),
        # Fri 09-18 + 1: Sat 09-19 off, Sun 09-20 is a make-up working day.
        (date(2026, 9, 18), 1, date(2026, 9, 20)),
        # Thu 09-24 + 5: Fri 09-25 Mid-Autumn off, weekend, 09-28 (1), 09-29 (2), 09-30 (3),
        # 10-01..10-07 off, Thu 10-08 (4), Fri 10-09 (5).
        (date(2026, 9, 24), 5, date(2026, 10, 9)),
        # Wed 09-30 + 1: National Day off until 10-07, Thu 10-08.
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        # Wed 09-30 + 3: 10-08 (1), 10-09 (2), Sat 10-10 make-up (3).
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        # Wed 09-30 + 10: 10-08 (1), 10-09 (2), 10-10 (3), Sun 10-11 off, 10-12 (4) .. 10-16 (8),
        # 10-19 (9), 10-20 (10).
        (date(2026, 9, 30), 10, date(2026, 10, 20)),
    ],
    ids=lambda value: str(value),
)
def test_add_business_days_follows_the_2026_calendar(start, days, expected):
    assert add_business_days(start, days) == expected


def test_subtract_business_days_skips_spring_festival():
    # Tue 02-24 - 1: back over 02-23..02-15 (off) to the make-up Saturday 02-14.
    assert calendar_for(date(2026, 2, 24), 1).subtract_business_days(date(2026, 2, 24), 1) == date(
        2026, 2, 14
    )


def test_a_make_up_working_day_in_the_table_wins():
    # Given the admin's table makes Mon 02-16 a working day (the package says it is off)
    Holiday.objects.create(date=date(2026, 2, 16), is_workday=True, name="test make-up day")
    # Then Fri 02-13 + 2 is 02-14 (1), 02-16 (2), not 02-24
    assert add_business_days(date(2026, 2, 13), 2) == date(2026, 2, 16)


def test_a_holiday_in_the_table_wins():
    # Given the table makes Fri 10-09 a day off (the package says it is a working day)
    Holiday.objects.create(date=date(2026, 10, 9), is_workday=False, name="test holiday")
    # Then Wed 09-30 + 2 is 10-08 (1), 10-09 off, Sat 10-10 make-up (2)
    assert add_business_days(date(2026, 9, 30), 2) == date(2026, 10, 10)
    # And a make-up Saturday the table turns into a day off is skipped as well:
    # Thu 02-26 + 2 is 02-27 (1), Sat 02-28 now off, Sun 03-01 off, Mon 03-02 (2).
    Holiday.objects.create(date=date(2026, 2, 28), is_workday=False, name="test: no make-up")
    assert add_business_days(date(2026, 2, 26), 2) == date(2026, 3, 2)


def test_an_unknown_year_falls_back_to_monday_to_friday_and_logs_it(caplog):
    # Given no Holiday rows for 2027, which the package does not know
    business_days._warn_unknown_year.cache_clear()  # warned once per year and process
    # When a 10-business-day review starts on Thu 2026-12-24
    with caplog.at_level(logging.WARNING, logger=business_days.__name__):
        due = add_business_days(date(2026, 12, 24), 10)
    # Then 12-25 (1), 12-28 (2) .. 12-31 (5), Fri 2027-01-01 counts Mon–Fri (6), 01-04 (7),
    # 01-05 (8), 01-06 (9), Thu 01-07 (10)
    assert due == date(2027, 1, 7)
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and r.name == business_days.__name__
    ]
    assert warnings and "2027" in warnings[0].getMessage()


def test_a_holiday_row_teaches_an_unknown_year():
    # Given the admin enters New Year's Day 2027
    Holiday.objects.create(date=date(2027, 1, 1), is_workday=False, name="New Year's Day")
    # Then from Thu 2026-12-24: 12-25 (1) .. 12-31 (5), 01-01 off, 01-04 (6) .. Fri 01-08 (10)
    assert add_business_days(date(2026, 12, 24), 10) == date(2027, 1, 8)


def _route_at(world, moment: datetime) -> Referral:
    """Create, submit and route a request to bank X at `moment` (frozen): the referral is sent then."""
    with time_machine.travel(moment, tick=False):
        request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
        rq.submit_request(request_id=request.pk, user=world.applicant_a)
        routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    return request.referrals.get()


def _due(object_type: str, object_id: int) -> dict[str, datetime]:
    rows = Deadline.objects.filter(object_type=object_type, object_id=object_id, state="pending")
    return {row.kind: row.due_at.astimezone(SHANGHAI) for row in rows}


def test_referral_sent_before_spring_festival_expires_at_1800_of_the_tenth_business_day(world):
    # Given a referral sent on Thu 2026-02-12 at 10:00 in Shanghai
    referral = _route_at(world, datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI))
    # Then the 10-business-day institution review counts 02-13 (1), Sat 02-14 (2), 02-24 (3),
    # 02-25 (4), 02-26 (5), 02-27 (6), Sat 02-28 (7), 03-02 (8), 03-03 (9), Wed 03-04 (10)
    due = _due("referral", referral.pk)
    assert due["expire"] == datetime(2026, 3, 4, 18, 0, tzinfo=SHANGHAI)
    assert due["escalate"] == due["expire"]
    # And the reminder comes one business day earlier, at opening time
    assert due["remind"] == datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)


def test_referral_sent_late_on_the_eve_of_national_day_counts_from_the_local_date(world):
    # Given a referral sent on Wed 2026-09-30 at 23:30 in Shanghai (15:30 UTC, same date)
    referral = _route_at(world, datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI))
    # Then 10-08 (1), 10-09 (2), Sat 10-10 (3), 10-12 (4) .. 10-16 (8), 10-19 (9), Tue 10-20 (10)
    assert _due("referral", referral.pk)["expire"] == datetime(2026, 10, 20, 18, 0, tzinfo=SHANGHAI)
    # And the request's 30-business-day offer window closes at 18:00 as well
    request_due = _due("financing_request", referral.request_id)
    assert request_due["expire"].time().isoformat() == "18:00:00"


def test_triage_deadline_lands_on_the_make_up_saturday(world):
    # Given a request submitted on Wed 2026-09-30 at 16:00 in Shanghai
    with time_machine.travel(datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI), tick=False):
        request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
        rq.submit_request(request_id=request.pk, user=world.applicant_a)
    # Then triage (3 business days) is due 10-08 (1), 10-09 (2), Sat 10-10 (3) at 18:00,
    # with a reminder on Fri 10-09 at 09:00
    due = _due("financing_request", request.pk)
    assert set(due) == {"remind", "escalate"}
    assert due["escalate"] == datetime(2026, 10, 10, 18, 0, tzinfo=SHANGHAI)
    assert due["remind"] == datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI)


def test_review_starting_on_christmas_eve_without_2027_data(world):
    # Given a referral sent at 00:30 on Thu 2026-12-24 in Shanghai, which is still 12-23 in UTC
    referral = _route_at(world, datetime(2026, 12, 24, 0, 30, tzinfo=SHANGHAI))
    # Then counting from the local date, Monday to Friday in 2027: 12-25 (1), 12-28 (2) .. 12-31 (5),
    # 01-01 (6), 01-04 (7), 01-05 (8), 01-06 (9), Thu 2027-01-07 (10)
    assert _due("referral", referral.pk)["expire"] == datetime(2027, 1, 7, 18, 0, tzinfo=SHANGHAI)


def test_review_starting_on_christmas_eve_with_new_year_in_the_table(world):
    # Given the Holiday table knows New Year's Day 2027
    Holiday.objects.create(date=date(2027, 1, 1), is_workday=False, name="New Year's Day")
    # When a referral is sent on Thu 2026-12-24 at 09:30 in Shanghai
    referral = _route_at(world, datetime(2026, 12, 24, 9, 30, tzinfo=SHANGHAI))
    # Then 12-25 (1) .. 12-31 (5), 01-01 off, 01-04 (6) .. Fri 2027-01-08 (10), at 18:00
    assert _due("referral", referral.pk)["expire"] == datetime(2027, 1, 8, 18, 0, tzinfo=SHANGHAI)


def test_an_offer_expires_at_the_end_of_its_last_valid_day(world):
    # Given an offer made on Thu 2026-02-12 valid until Sat 2026-02-28
    referral = _route_at(world, datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI))
    with time_machine.travel(datetime(2026, 2, 12, 11, 0, tzinfo=SHANGHAI), tick=False):
        rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
        offer = rs.make_offer(
            referral_id=referral.pk,
            user=world.bank_x_user,
            amount=Decimal("3000000"),
            valid_until=date(2026, 2, 28),
        )
    # Then its only deadline is expiry at 23:59:59 that day, in Shanghai
    assert _due("offer", offer.pk) == {"expire": datetime(2026, 2, 28, 23, 59, 59, tzinfo=SHANGHAI)}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Due the same day: none left.
        (date(2026, 2, 10), date(2026, 2, 10), 0),
        # Tue 02-10 to Mon 03-02: the ten business days of the table above.
        (date(2026, 2, 10), date(2026, 3, 2), 10),
        # Across Spring Festival: Fri 02-13 to Tue 02-24 is Sat 02-14 (make-up) and 02-24.
        (date(2026, 2, 13), date(2026, 2, 24), 2),
        # Passed: from Tue 02-24 back to Fri 02-13 is two business days overdue.
        (date(2026, 2, 24), date(2026, 2, 13), -2),
        # Across National Day: Wed 09-30 to Sat 10-10 (make-up) is 10-08, 10-09, 10-10.
        (date(2026, 9, 30), date(2026, 10, 10), 3),
    ],
    ids=lambda value: str(value),
)
def test_count_business_days_inverts_adding_them(start, end, expected):
    """Given two days, when the business days between them are counted, then they follow the calendar
    (the day after `start` up to `end`; negative when `end` has passed), as `add_business_days` does."""
    low, high = min(start, end), max(start, end)
    assert calendar_for(low, (high - low).days + 1).count_business_days(start, end) == expected
    if expected > 0:
        assert add_business_days(start, expected) == end
