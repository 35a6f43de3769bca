"""Capacity is taken and released only through lenders.services.capacity, never past its bounds."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from lenders.models import Product
from lenders.services.capacity import CapacityError, release_capacity, take_capacity
from tests import factories as f


def _used(product: Product) -> Decimal:
    product.refresh_from_db()
    return product.capacity_used


@pytest.fixture
def product(db):
    return f.ProductFactory(yearly_capacity=Decimal("1000000"), capacity_used=Decimal("0"))


def test_given_room_when_taking_then_used_grows_up_to_exactly_the_yearly_capacity(product):
    take_capacity(product_id=product.pk, amount=Decimal("600000"))
    take_capacity(product_id=product.pk, amount=Decimal("400000"))
    assert _used(product) == Decimal("1000000")


def test_given_too_little_left_when_taking_then_it_refuses_and_changes_nothing(product):
    take_capacity(product_id=product.pk, amount=Decimal("600000"))
    with pytest.raises(CapacityError, match="less than 400000.01 of capacity left"):
        take_capacity(product_id=product.pk, amount=Decimal("400000.01"))
    assert _used(product) == Decimal("600000")


def test_given_capacity_in_use_when_releasing_then_used_shrinks_but_never_below_zero(product):
    take_capacity(product_id=product.pk, amount=Decimal("300000"))
    release_capacity(product_id=product.pk, amount=Decimal("100000"))
    assert _used(product) == Decimal("200000")
    with pytest.raises(CapacityError, match="of capacity in use"):
        release_capacity(product_id=product.pk, amount=Decimal("200000.01"))
    assert _used(product) == Decimal("200000")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5")])
def test_given_a_non_positive_amount_then_both_refuse(product, amount):
    for change in (take_capacity, release_capacity):
        with pytest.raises(CapacityError, match="positive amount"):
            change(product_id=product.pk, amount=amount)
    assert _used(product) == Decimal("0")


def test_given_the_admin_then_capacity_in_use_cannot_be_edited_there(product, admin_client):
    page = admin_client.get(reverse("admin:lenders_product_change", args=[product.pk]))
    assert page.status_code == 200
    assert 'name="capacity_used"' not in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_given_concurrent_takers_then_exactly_as_many_succeed_as_fit():
    """Eight threads each take 300 000 of 1 000 000 at once: three succeed, used ends at 900 000."""
    product = f.ProductFactory(yearly_capacity=Decimal("1000000"), capacity_used=Decimal("0"))
    start = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def taker():
        try:
            start.wait(timeout=30)
            take_capacity(product_id=product.pk, amount=Decimal("300000"))
            outcome = "taken"
        except CapacityError:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=taker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 5 + ["taken"] * 3
    assert _used(product) == Decimal("900000")
