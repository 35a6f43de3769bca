import time
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.coordination.test_admin import browser, triaged, offer_on, staff  # noqa
from coordination.services import requests as rq

pytestmark = pytest.mark.django_db

def test_profile(staff):
    w = staff
    r = triaged(w, major_task=w.major_task, tranches=(("credit_loan", "40000000"), ("equity", "20000000")))
    rq.route_request(request_id=r.pk, user=w.national, product_ids=[w.loan_x.pk, w.equity.pk])
    for ref in r.referrals.all():
        offer_on(ref, ref.institution.members.first())
    c = browser(w.national)
    for url in [reverse("admin:coordination_financingrequest_change", args=[r.pk]),
                reverse("admin:coordination_financingrequest_changelist"),
                reverse("admin:coordination_financingrequest_timeline", args=[r.pk]),
                reverse("admin:coordination_financingrequest_object_action", args=[r.pk, "route"]),
                reverse("admin:coordination_transitionevent_changelist"),
                reverse("admin:coordination_referral_changelist"),
                reverse("admin:coordination_offer_changelist"),
                reverse("admin:coordination_deadline_changelist"),
                ]:
        c.get(url)
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as q:
            resp = c.get(url)
        print(url, resp.status_code, len(q), round(time.perf_counter() - t, 3))
        if "change" in url:
            for x in q.captured_queries: print("   ", x["sql"][:160])
