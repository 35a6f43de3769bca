"""Recommendation lists on the pages (issue 18): the institution's workbench shows teasers until an entry
is opened, records follow-ups, and is a 404 for everyone else; the firm gives and withdraws its consent."""

import pytest
from django.test import Client
from django.utils import timezone

from coordination.models import RecommendationConsent
from coordination.services.outreach import follow_ups, lists

CRITERIA = {"min_credit": "70", "credit_version": "2.0", "tech_sme": True, "fields": ["ic-test"]}


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def published(outreach):
    w = outreach
    made = lists.build_list(user=w.national, code="ic", title="IC top", national=True, criteria=CRITERIA)
    lists.publish_list(list_id=made.pk, user=w.national, institution_ids=[w.bank_x.pk, w.bank_y.pk])
    w.made = made
    w.entry = made.entries.get(enterprise=w.enterprise_a)
    w.urls = {
        "lists": "/institution/lists/",
        "list": f"/institution/lists/{made.pk}/",
        "entry": f"/institution/lists/{made.pk}/entries/{w.entry.pk}/",
    }
    return w


@pytest.mark.django_db
def test_teaser_until_opened_then_follow_up(published):
    w = published
    x = client(w.bank_x_user)
    for url in w.urls.values():
        page = x.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        for secret in (w.enterprise_a.name, w.enterprise_a.credit_code, "3,000", "Chip Co C"):
            assert secret not in text, (url, secret)
    assert "IC top" in x.get(w.urls["lists"]).content.decode()
    opened = x.post(w.urls["entry"] + "open/", follow=True)
    assert w.enterprise_a.credit_code in opened.content.decode()
    # Bank Y still reads the teaser.
    assert w.enterprise_a.credit_code not in client(w.bank_y_user).get(w.urls["entry"]).content.decode()
    bad = x.post(w.urls["entry"] + "follow-up/", {"status": "financed", "instrument": "credit_loan"})
    assert bad.status_code == 400
    assert "is-invalid" in bad.content.decode()
    done = x.post(
        w.urls["entry"] + "follow-up/",
        {
            "status": "financed",
            "instrument": "credit_loan",
            "amount": "300",
            "annual_rate": "3.45",
            "term_months": "24",
            "financed_on": timezone.localdate().isoformat(),
        },
    )
    assert done.status_code == 302
    follow_up = w.entry.follow_ups.get()
    # The loan is in bank X's re-lending ledger, shown on the entry's page.
    assert w.relending.name in x.get(w.urls["entry"]).content.decode()
    assert (follow_up.status, str(follow_up.amount), str(follow_up.annual_rate)) == (
        "financed",
        "3000000.00",
        "0.0345",
    )


@pytest.mark.django_db
def test_every_other_role_gets_404(published):
    w = published
    for user in (w.national, w.coordinator, w.applicant_a, w.applicant_b, w.insurer_user):
        c = client(user)
        for url in (w.urls["list"], w.urls["entry"]):
            assert c.get(url).status_code == 404, (user, url)
        assert c.post(w.urls["entry"] + "open/").status_code == 404
        assert c.post(w.urls["entry"] + "follow-up/", {"status": "contacted"}).status_code == 404
    for user in (w.national, w.coordinator, w.applicant_a):
        assert client(user).get(w.urls["lists"]).status_code == 404
    # The insurer is an institution: its workbench lists nothing, the list was not published to it.
    assert "IC top" not in client(w.insurer_user).get(w.urls["lists"]).content.decode()
    assert Client().get(w.urls["lists"]).status_code == 302  # to the login


@pytest.mark.django_db
def test_consent_on_the_enterprise_page(published):
    w = published
    url = f"/sme/enterprises/{w.enterprise_a.pk}/"
    page = client(w.manager_a).get(url)
    assert "IC top" in page.content.decode()
    assert client(w.applicant_a).post(url + "recommendation-consent/", {"given": "false"}).status_code == 403
    assert client(w.bank_x_user).post(url + "recommendation-consent/", {"given": "false"}).status_code == 404
    response = client(w.manager_a).post(url + "recommendation-consent/", {"given": "false"})
    assert response.status_code == 302
    assert not RecommendationConsent.objects.get(enterprise=w.enterprise_a).given
    assert client(w.bank_x_user).get(w.urls["entry"]).status_code == 404
    assert "IC top" not in client(w.manager_a).get(url).content.decode()


@pytest.mark.django_db
def test_evaluation_of_lists_page_and_files(published):
    """The national coordinator reads each list's outcome per institution, as a page, CSV and XLSX; a bank
    or a coordinator whose scope holds no list sees none of it."""
    w = published
    follow_ups.open_entry(entry_id=w.entry.pk, user=w.bank_x_user)
    follow_ups.record_follow_up(
        entry_id=w.entry.pk, user=w.bank_x_user, status="declined", decline_reason="no_capacity"
    )
    national = client(w.national)
    page = national.get("/evaluation/lists/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "IC top" in text and "Bank X" in text and "Bank Y" in text
    csv_file = national.get("/evaluation/lists.csv")
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    body = csv_file.content.decode("utf-8-sig")
    assert "Bank X" in body
    xlsx = national.get("/evaluation/lists.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "IC top" not in client(w.coordinator).get("/evaluation/lists/").content.decode()
    for user in (w.bank_x_user, w.applicant_a):
        assert client(user).get("/evaluation/lists/").status_code == 404
        assert client(user).get("/evaluation/lists.csv").status_code == 404


@pytest.mark.django_db
def test_the_firm_reads_the_opening_in_its_disclosure_log(published):
    w = published
    follow_ups.open_entry(entry_id=w.entry.pk, user=w.bank_x_user)
    page = client(w.applicant_a).get("/sme/disclosures/")
    text = page.content.decode()
    assert "Bank X" in text and "IC top v1" in text
