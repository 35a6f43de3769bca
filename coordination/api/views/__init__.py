"""REST API v1. Views are thin: scoping through the selectors, writes through the services."""

from .auth import ApiTokenViewSet, MeView, TokenView  # noqa: F401
from .common import validated  # noqa: F401
from .evaluation import EvaluationView  # noqa: F401
from .financing_requests import FinancingRequestViewSet  # noqa: F401
from .loss_claims import LossClaimViewSet  # noqa: F401
from .messaging import NotificationViewSet, WebhookViewSet  # noqa: F401
from .packages import FinancingPackageViewSet  # noqa: F401
from .parties import (  # noqa: F401
    EnterpriseJoinRequestViewSet,
    EnterpriseViewSet,
    InstitutionViewSet,
    MajorTaskViewSet,
    ProductViewSet,
    RegionViewSet,
    TechFieldViewSet,
)
from .referrals import OfferViewSet, ReferralViewSet  # noqa: F401
