"""Serializers: shapes only. Writes go through the services; nothing here assigns a status."""

from .actions import (  # noqa: F401
    MAX_TRANCHES,
    RATE_HELP,
    AvailableActionsMixin,
    NoteSerializer,
    ReasonSerializer,
    RequiredReasonSerializer,
    available_actions,
)
from .auth import ApiTokenSerializer, MeSerializer, TokenRequestSerializer, TokenSerializer  # noqa: F401
from .evaluation import EvaluationQuerySerializer, EvaluationSerializer, IndicatorSerializer  # noqa: F401
from .financing_requests import (  # noqa: F401
    DeadlineSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    EventSerializer,
    ExplanationSerializer,
    ExtendSerializer,
    FinancingRequestCreateSerializer,
    FinancingRequestSerializer,
    FundingSerializer,
    ProposalCandidateSerializer,
    ProposalSerializer,
    RouteSerializer,
    SubmittedRequestSerializer,
    TimelineSerializer,
    TrancheInputSerializer,
    TrancheProposalSerializer,
    TrancheSerializer,
    missing_documents,
)
from .loss_claims import LossClaimSerializer, ReportDefaultSerializer  # noqa: F401
from .messaging import (  # noqa: F401
    MarkReadResultSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookSerializer,
)
from .packages import (  # noqa: F401
    FinancingPackageCreateSerializer,
    FinancingPackageSerializer,
    TaskFinancingSerializer,
)
from .parties import (  # noqa: F401
    ConsentResultSerializer,
    ConsentSerializer,
    DecisionSerializer,
    EnterpriseCreateSerializer,
    EnterpriseSerializer,
    FiguresSerializer,
    FinancialsSerializer,
    InstitutionSerializer,
    JoinRequestSerializer,
    MajorTaskSerializer,
    ProductSerializer,
    RegionSerializer,
    TechFieldSerializer,
    TechSmeEvaluationSerializer,
    YearFiguresSerializer,
)
from .referrals import (  # noqa: F401
    DeclineSerializer,
    InstitutionReferralSerializer,
    OfferInputSerializer,
    OfferSerializer,
    ReferralSerializer,
    ScopedReferralSerializer,
    TeaserReferralSerializer,
    TeaserSerializer,
)
