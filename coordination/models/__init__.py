"""The mechanism's models, one module per concern (DESIGN §7): financing (request, tranche, referral,
offer, document, transition event), disclosure (what institutions were shown of an applicant), access
(scopes, tokens, idempotency), calendar (service levels, holidays, deadlines), messaging (outbox,
notifications, webhooks) and outreach (recommendation lists, consent to be recommended, follow-ups)."""

from .access import ApiToken, CoordinatorScope, EnterpriseJoinRequest, IdempotencyRecord
from .calendar import Deadline, Holiday, ServiceLevel
from .disclosure import DisclosedData, Disclosure, DisclosureAction
from .evaluation import EvaluationMonth, EvaluationSnapshot
from .financing import (
    AppendOnlyQuerySet,
    FinancingRequest,
    Offer,
    ReferenceCounter,
    Referral,
    RequestDocument,
    Tranche,
    TransitionEvent,
)
from .messaging import (
    Delivery,
    DeliveryAttempt,
    EmailDigest,
    Notification,
    NotificationSetting,
    OutboxMessage,
    WebhookSubscription,
)
from .outreach import (
    RecommendationConsent,
    RecommendationEntry,
    RecommendationFollowUp,
    RecommendationList,
    RecommendationRecipient,
)
from .packages import FinancingPackage, PackageEvent, PackageTranche
from .policy import LossClaim, PolicyProgramme, PolicySimulation, ProgrammeLedgerEntry

__all__ = [
    "ApiToken",
    "AppendOnlyQuerySet",
    "CoordinatorScope",
    "Deadline",
    "Delivery",
    "DeliveryAttempt",
    "EmailDigest",
    "EnterpriseJoinRequest",
    "DisclosedData",
    "Disclosure",
    "DisclosureAction",
    "EvaluationMonth",
    "EvaluationSnapshot",
    "FinancingPackage",
    "FinancingRequest",
    "Holiday",
    "IdempotencyRecord",
    "LossClaim",
    "Notification",
    "NotificationSetting",
    "Offer",
    "OutboxMessage",
    "PackageEvent",
    "PackageTranche",
    "PolicyProgramme",
    "PolicySimulation",
    "ProgrammeLedgerEntry",
    "RecommendationConsent",
    "RecommendationEntry",
    "RecommendationFollowUp",
    "RecommendationList",
    "RecommendationRecipient",
    "ReferenceCounter",
    "Referral",
    "RequestDocument",
    "ServiceLevel",
    "Tranche",
    "TransitionEvent",
    "WebhookSubscription",
]

from coordination import audit  # noqa: E402,F401  (history of the grant and configuration models)
