"""The product's one admin (the coordinators' console), by resource, for every app's models (DESIGN §7).

Nothing here assigns a status or decides whether an action is allowed: every action collects what its
service needs (a reason, products, business days), calls that service, and reports the service's
verdict; the buttons shown are the engine's `available_actions`. Importing the package registers
every ModelAdmin: projects and lenders have no admin module of their own, since their scoping needs
coordinator scopes and referrals, which only this layer may know.
"""

from . import (  # noqa: F401  (each module registers its ModelAdmins)
    access,
    calendar,
    disclosures,
    financing_requests,
    lenders,
    loss_claims,
    notifications,
    outreach,
    policy,
    projects,
    records,
    referrals,
)
