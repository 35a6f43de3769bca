import pytest
from coordination.api import views
from tests.api.test_query_counts import test_list_reads_the_same_queries_for_1_and_50_rows as t
from coordination import selectors

@pytest.mark.parametrize("path,role", [("financing-requests", "national"), ("referrals", "bank_x"), ("enterprises","national")])
def test_sens(world, api, monkeypatch, path, role):
    monkeypatch.setattr(views.FinancingRequestViewSet, "get_queryset", lambda self: selectors.requests_visible_to(self.request.user))
    monkeypatch.setattr(views.ReferralViewSet, "get_queryset", lambda self: selectors.referrals_visible_to(self.request.user))
    monkeypatch.setattr(views.EnterpriseViewSet, "get_queryset", lambda self: selectors.enterprises_visible_to(self.request.user))
    t(world, api, path, role)
