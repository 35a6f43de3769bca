"""The workflow's rules, each once: the permits, guards and effects that the tables' rows name.

A permit decides whether this user, in the role the engine chose, may take the action at all (it
runs before the state is checked); a guard decides whether the action may happen now, on this
object (after the state); an effect follows the status change in the same transaction. Guards and
permits only read, so `engine.available_actions` can ask them without side effects. Effects receive
the engine's `transition` as `apply`, so that this module needs no import of the engine, and the
`event` that recorded the change (its actor and time).
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lenders.services import capacity

from .. import selectors
from ..choices import OfferStatus, ReferralStatus, RequestStatus, Role
from ..errors import Conflict, PermissionDenied
from ..models import (
    CoordinatorScope,
    DisclosedData,
    Disclosure,
    DisclosureAction,
    FinancingPackage,
    FinancingRequest,
    LossClaim,
    Notification,
    Offer,
    PackageEvent,
    Referral,
    Tranche,
    TransitionEvent,
)
from . import ledger

Apply = Callable[..., Any]
# What the workflow's tables move: each has a status, a version and its request.
Subject = FinancingRequest | Referral | Offer | LossClaim
# What is approved by one coordinator, or by two national ones when escalated (maker, then checker).
Approvable = FinancingRequest | LossClaim
LIVE_REFERRAL = frozenset({ReferralStatus.SENT, ReferralStatus.REVIEWING, ReferralStatus.INFO_REQUESTED})


def request_of(obj: Subject) -> FinancingRequest:
    return obj if isinstance(obj, FinancingRequest) else obj.request


# --- who acts: scopes and escalation -------------------------------------------------------------


def current_scope(user) -> CoordinatorScope | None:
    """The actor's coordinator scope read from the database at the moment of the action.

    Inside the action's transaction the row is locked too, so a scope edited meanwhile (a region
    added, "national" ticked or unticked) takes effect before or after the action, never during it.
    """
    return selectors.current_coordinator_scope(user, lock=transaction.get_connection().in_atomic_block)


def is_national(user) -> bool:
    scope = current_scope(user)
    return bool(scope and scope.national)


def holds_national_scope(user_id: int) -> bool:
    """Whether that user is a national coordinator now: the maker, verified again at the checker's step."""
    scopes = CoordinatorScope.objects.filter(user_id=user_id)
    if transaction.get_connection().in_atomic_block:
        scopes = scopes.select_for_update()
    return bool(scopes.values_list("national", flat=True).first())


def escalated(obj: Subject) -> bool:
    """A loss claim carries its own escalation (set when it is reported); the rest their request's."""
    return obj.escalated if isinstance(obj, LossClaim) else request_of(obj).escalated


def escalated_needs_national(obj: Subject, user, role: str) -> None:
    """DESIGN.md §3: at or above the threshold, or for a national major task, national coordinators act."""
    # The engine has just read the actor's scope (and cached it on the user): no second read.
    scope = selectors.coordinator_scope(user)
    if role == Role.COORDINATOR and escalated(obj) and not (scope and scope.national):
        raise PermissionDenied(_("This request is escalated to national coordinators."))


# --- maker-checker (DESIGN.md §3: two different national coordinators approve an escalated request, and
# §10 an escalated loss claim, by the same rows and these same rules) ----------------------------------


def single_approval(obj: Approvable, user, role: str) -> None:
    if obj.escalated:
        raise Conflict(_("The request was escalated meanwhile; approval now takes two coordinators."))


def maker_proposes(obj: Approvable, user, role: str) -> None:
    if not obj.escalated:
        raise Conflict(_("One coordinator approves this request: approve it."), code="not_escalated")
    if obj.approval_proposed_by_id is not None:
        raise Conflict(
            _("Another coordinator proposed approval meanwhile; review and confirm it."),
            code="already_proposed",
        )


def proposal_pending(obj: Approvable, user, role: str) -> None:
    if obj.approval_proposed_by_id is None:
        raise Conflict(_("There is no pending approval proposal."), code="no_proposal")


def checker_confirms(obj: Approvable, user, role: str) -> None:
    if obj.approval_proposed_by_id is None:
        raise Conflict(_("The approval proposal was cancelled meanwhile."), code="no_proposal")
    if obj.approval_proposed_by_id == user.pk:
        raise PermissionDenied(_("Nobody confirms their own proposal: a second coordinator must confirm."))
    if not holds_national_scope(obj.approval_proposed_by_id):
        raise Conflict(
            _(
                "The coordinator who proposed this approval is no longer a national coordinator; "
                "cancel the proposal and propose it again."
            ),
            code="proposer_lost_powers",
        )


# --- funding rights -------------------------------------------------------------------------------


def own_accepted_tranches(request: FinancingRequest, user) -> list[Tranche]:
    """The request's tranches whose accepted offer came from an institution the user belongs to."""
    accepted = request.tranches.filter(accepted_offer__isnull=False)
    return list(accepted.filter(accepted_offer__referral__institution__members=user).order_by("position"))


def funds_own_tranche(obj: FinancingRequest, user, role: str) -> None:
    """Only the institution of an accepted offer records its disbursement, once."""
    mine = own_accepted_tranches(obj, user)
    if not mine:
        raise PermissionDenied(_("Your institution has no accepted offer on this request."))
    if all(t.funded_on is not None for t in mine):
        raise Conflict(_("Funding is already recorded for your tranche."), code="already_funded")


# --- capacity -------------------------------------------------------------------------------------


def take_capacity(offer: Offer, apply: Apply, event: TransitionEvent) -> None:
    """An accepted offer takes its amount from the product's yearly capacity, or fails as a whole."""
    try:
        capacity.take_capacity(product_id=offer.referral.product_id, amount=offer.amount)
    except capacity.CapacityError as error:
        raise Conflict(_("The product has no capacity left for this amount."), code="no_capacity") from error


def release_capacity(request: FinancingRequest, apply: Apply, event: TransitionEvent) -> None:
    """A request that ends before funding gives back the capacity its accepted offers took."""
    for tranche in request.tranches.filter(
        accepted_offer__isnull=False, funded_on__isnull=True
    ).select_related("accepted_offer__referral"):
        offer = tranche.accepted_offer
        assert offer is not None  # filtered on above
        capacity.release_capacity(product_id=offer.referral.product_id, amount=offer.amount)


# --- tranches, rivals and re-routing --------------------------------------------------------------


def claim_tranche(offer: Offer, apply: Apply, event: TransitionEvent) -> None:
    """One accepted offer per tranche."""
    tranche = offer.tranche
    if tranche.accepted_offer_id is not None:
        raise Conflict(_("Another offer was already accepted for this tranche."), code="tranche_taken")
    tranche.accepted_offer = offer
    tranche.save(update_fields=["accepted_offer"])


def accepted_elsewhere(offer: Offer) -> str:
    """The reason recorded on the rivals an accepted offer supersedes (audit and notification)."""
    return gettext("Offer %(offer)s was accepted for this tranche.") % {"offer": offer.pk}


def supersede_rivals(offer: Offer, apply: Apply, event: TransitionEvent) -> None:
    """The tranche's other open offers and waiting referrals lose to the accepted offer."""
    request = offer.request
    tranche = offer.tranche
    for other in Offer.objects.filter(tranche=tranche, status=OfferStatus.OPEN).exclude(pk=offer.pk):
        other.request = request
        apply(other, "supersede", reason=accepted_elsewhere(offer))
    for referral in tranche.referrals.exclude(pk=offer.referral_id).filter(
        status__in=[*LIVE_REFERRAL, ReferralStatus.OFFERED]
    ):
        referral.request = request
        apply(referral, "supersede", reason=accepted_elsewhere(offer))


def complete_package(offer: Offer, apply: Apply, event: TransitionEvent) -> None:
    """Once every tranche has an accepted offer the request moves on by itself."""
    request = offer.request
    if not request.tranches.filter(accepted_offer__isnull=True).exists():
        apply(request, "all_tranches_accepted")


def close_open_parts(request: FinancingRequest, apply: Apply, event: TransitionEvent) -> None:
    """Withdraw what still waits on a request that has ended or been settled: open offers, live referrals."""
    for offer in Offer.objects.filter(request=request, status=OfferStatus.OPEN).select_for_update(
        of=("self",)
    ):
        offer.request = request
        apply(offer, "supersede")
    winners = Tranche.objects.filter(request=request, accepted_offer__isnull=False).values(
        "accepted_offer__referral"
    )
    waiting = Referral.objects.filter(
        request=request, status__in=[*LIVE_REFERRAL, ReferralStatus.OFFERED]
    ).exclude(pk__in=winners)
    for referral in waiting.select_for_update(of=("self",)):
        referral.request = request
        apply(referral, "withdraw")


def reroute_if_stalled(obj: Referral | Offer, apply: Apply, event: TransitionEvent) -> None:
    """Back to triage when an open tranche has nothing left waiting (all referrals closed without offer)."""
    request = obj.request
    if request.status != RequestStatus.ROUTED:
        return
    for tranche in request.tranches.filter(accepted_offer__isnull=True):
        waiting = (
            tranche.referrals.filter(status__in=LIVE_REFERRAL).exists()
            or tranche.offers.filter(status=OfferStatus.OPEN).exists()
        )
        if not waiting:
            request.needs_rerouting = True
            reason = gettext("Tranche %(position)s has no live referral left.") % {
                "position": tranche.position
            }
            apply(request, "return_to_triage", reason=reason)
            return


# --- disclosure (DESIGN.md §1: anonymised until opened, every opening logged for the applicant) -----


def disclose_to_institution(referral: Referral, apply: Apply, event: TransitionEvent) -> None:
    """Opening a referral reveals the applicant's profile and financials to the institution: from now on it
    reads them (`opened_at`), and the applicant reads who saw them, when, in its disclosure log."""
    assert event.actor is not None, "an institution member opens a referral, never the system"
    if referral.opened_at is not None:
        return
    referral.opened_at = event.created_at
    referral.save(update_fields=["opened_at"])
    Disclosure.objects.create(
        user=event.actor,
        institution_id=referral.institution_id,
        enterprise_id=referral.request.enterprise_id,
        request=referral.request,
        referral=referral,
        action=DisclosureAction.OPEN,
        categories=[DisclosedData.PROFILE, DisclosedData.FINANCIALS],
        created_at=event.created_at,
    )


# --- loss claims (DESIGN §10: a default on a risk-compensated tranche, claimed on the pool and paid) -----


def claim_on_pool(claim: LossClaim, apply: Apply, event: TransitionEvent) -> None:
    """At approval the claim is written to the pool's ledger, within the caps as they stand now (the other
    public compensation of the same loss, what is still committed on the tranche): that is what is owed."""
    entry = ledger.claim_loss(
        programme_id=claim.programme_id,
        tranche_id=claim.tranche_id,
        loss=claim.loss,
        other_public=selectors.other_public_compensation(claim),
        reason=gettext("Loss claim %(claim)s approved.") % {"claim": claim.pk},
    )
    claim.amount = entry.amount
    claim.save(update_fields=["amount", "updated_at"])


def pay_claim(claim: LossClaim, apply: Apply, event: TransitionEvent) -> None:
    """Payment turns the claimed commitment into paid: the budget identity holds through it."""
    ledger.pay(
        programme_id=claim.programme_id,
        tranche_id=claim.tranche_id,
        amount=claim.amount,
        reason=gettext("Loss claim %(claim)s paid.") % {"claim": claim.pk},
    )


# --- packages (DESIGN §14: a coordinator proposes a major task's package to its lead enterprise) ---------


def tell_lead_managers(package: FinancingPackage, apply: Apply, event: PackageEvent) -> None:
    """The lead enterprise's managers find the proposed package in their inbox, each in their language.
    In-app only: the outbox's audiences are a request's parties, and a package has no request yet."""
    managers = get_user_model().objects.filter(managed_enterprises=package.major_task.lead_enterprise_id)
    notifications = []
    for manager in managers:
        with translation.override(selectors.language_for(manager)):
            notifications.append(
                Notification(
                    user=manager,
                    topic="financing_package.propose",
                    title=gettext("A financing package for %(task)s waits for your answer")
                    % {"task": package.major_task.code},
                    body=gettext("Confirm it as your enterprise's request, or decline it: %(path)s")
                    % {"path": reverse("sme:package", kwargs={"package_id": package.pk})},
                    delivery_key=f"package:{event.pk}:{manager.pk}",
                    created_at=event.created_at,
                )
            )
    Notification.objects.bulk_create(notifications)
