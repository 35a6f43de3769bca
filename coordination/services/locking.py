"""Row locks in one order (the request, then the object), so concurrent actions serialise per request."""

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.prepared import Prepared, as_id

from ..errors import IdempotencyMismatch, NotFound
from ..models import FinancingRequest, LossClaim, Offer, Referral
from .idempotency import claim

T = TypeVar("T")


# Every action on a request starts here: compiled once (config/prepared.py), as `.get()` would read it.
_LOCKED_REQUEST = Prepared(
    lambda request_id: (
        FinancingRequest.objects.select_for_update(of=("self",))
        .select_related("enterprise__region", "major_task")
        .filter(pk=request_id)
        .order_by()
    )
)


def lock_request(request_id: int) -> FinancingRequest:
    # Not a plain id (a malformed or overflowing one from a URL): as unknown as a missing one, without
    # asking the ORM, whose refusal (ValueError) would look like a badly defined prepared query's.
    found = _LOCKED_REQUEST.rows(request_id) if as_id(request_id) is not None else []
    if len(found) != 1:
        raise NotFound()
    return found[0]


def _request_id_of(model, pk: int) -> int:
    try:
        request_id = model.objects.filter(pk=pk).values_list("request_id", flat=True).first()
    except (ValueError, TypeError):
        request_id = None
    if request_id is None:
        raise NotFound()
    return request_id


def lock_referral(referral_id: int) -> Referral:
    request = lock_request(_request_id_of(Referral, referral_id))
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("institution", "product", "tranche")
        .get(pk=referral_id)
    )
    referral.request = request
    return referral


def lock_offer(offer_id: int) -> Offer:
    request = lock_request(_request_id_of(Offer, offer_id))
    offer = Offer.objects.select_for_update(of=("self",)).get(pk=offer_id)
    offer.referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("institution", "product")
        .get(pk=offer.referral_id)
    )
    offer.referral.request = offer.request = request
    return offer


def lock_claim(claim_id: int) -> LossClaim:
    request = lock_request(_request_id_of(LossClaim, claim_id))
    claim = (
        LossClaim.objects.select_for_update(of=("self",))
        .select_related("institution", "programme", "tranche")
        .get(pk=claim_id)
    )
    claim.request = claim.tranche.request = request
    return claim


def with_idempotency(
    *,
    user,
    key: str,
    action: str,
    object_type: str,
    object_id: int,
    run: Callable[[], T],
    replay: Callable[[], T],
) -> T:
    """Run `run` in a transaction once per (user, key); the same key again replays and changes nothing.

    The key is claimed before `run`, in the same transaction (see `idempotency.claim`): a concurrent
    second call waits for the first and replays it, never running `run` a second time.
    """
    if not key or user is None:
        with transaction.atomic():
            return run()
    with transaction.atomic():
        record, claimed = claim(
            user=user, key=key, action=action, object_type=object_type, object_id=object_id
        )
        if not claimed and record.awaiting_response:
            # The API request now running claimed the key a moment ago; this action is its effect.
            record.action, record.object_type, record.object_id = action, object_type, object_id
            record.save(update_fields=["action", "object_type", "object_id"])
            claimed = True
        if claimed:
            return run()
        if (record.action, record.object_type, record.object_id) != (action, object_type, object_id):
            raise IdempotencyMismatch(
                _("This Idempotency-Key was already used for a different action."),
                fields={"idempotency_key": [gettext("already used for another action")]},
            )
        return replay()


def act_on_request(action: str, request_id: int, user, key: str, body) -> FinancingRequest:
    def run() -> FinancingRequest:
        request = lock_request(request_id)
        body(request)
        return request

    return with_idempotency(
        user=user,
        key=key,
        action=action,
        object_type="financing_request",
        object_id=request_id,
        run=run,
        replay=lambda: FinancingRequest.objects.get(pk=request_id),
    )
