"""Loss claims over the API (DESIGN §10): the funding institution reports a default (create); coordinators in
scope approve, reject and pay. Lists and details are scoped by `selectors.claims_visible_to`: an SME, another
institution or a coordinator of another region gets a 404."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ... import selectors
from ...errors import Conflict
from ...models import LossClaim
from ...services import loss_claims as claim_services
from ...workflow.tables import CLAIM_TRANSITIONS
from .. import docs
from .. import serializers as s
from ..base import GenericViewSet, NewestFirstCursor
from ..idempotency import key_of as idempotency_key
from ..schema import READ_ERRORS, WRITE_ERRORS
from .common import validated


def _claim_action(name, serializer_class, service, *, what, actions=None, url_path=None):
    """A POST sub-resource on a loss claim that calls one service; described from its transition rows."""

    def view(self, request, pk=None):
        data = validated(serializer_class, request)
        claim = self.get_object()
        try:
            changed = service(
                claim_id=claim.pk,
                user=request.user,
                reason=data["reason"],
                idempotency_key=idempotency_key(request),
            )
        except Conflict as conflict:
            raise docs.with_hint(conflict, CLAIM_TRANSITIONS, name, self.get_object().status) from conflict
        return Response(self.get_serializer(self.get_queryset().get(pk=changed.pk)).data)

    view.__name__ = name
    return extend_schema(
        request=serializer_class,
        responses={200: s.LossClaimSerializer, **WRITE_ERRORS},
        description=docs.describe_action(CLAIM_TRANSITIONS, actions or [name], what),
    )(action(detail=True, methods=["post"], url_path=url_path)(view))


@extend_schema_view(
    list=extend_schema(responses={200: s.LossClaimSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.LossClaimSerializer, **READ_ERRORS}),
)
class LossClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = LossClaim.objects.none()
    serializer_class = s.LossClaimSerializer
    filterset_fields = ["status", "programme", "institution"]
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        # With the request's enterprise and region, `available_actions` reads the caller's roles without a
        # query per row.
        return selectors.claims_visible_to(self.request.user).select_related("request__enterprise__region")

    @extend_schema(
        request=s.ReportDefaultSerializer,
        responses={201: s.LossClaimSerializer, **WRITE_ERRORS},
        description="Report a default on a funded tranche of your institution that a risk pool covers: the "
        "principal lost (at most the principal outstanding), the day (between the funding and today, "
        "within the pool's cover period) and a note. The claim on the pool is computed within its caps and "
        "awaits a coordinator's approval (`reported`).\n\n"
        "**Who:** a member of the institution that funded the tranche; coordinators: 403; anyone else, or "
        "a tranche no pool covers: 404. A second live claim on the same pool: 409 `already_claimed`. "
        + docs.ERRORS_SENTENCE,
    )
    def create(self, request):
        data = validated(s.ReportDefaultSerializer, request)
        claim = claim_services.report_default(
            tranche_id=data["tranche"],
            user=request.user,
            loss=data["loss"],
            defaulted_on=data["defaulted_on"],
            note=data["note"],
            programme_id=data.get("programme"),
            idempotency_key=idempotency_key(request),
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=claim.pk)).data, status=status.HTTP_201_CREATED
        )

    approve = _claim_action(
        "approve",
        s.ReasonSerializer,
        claim_services.approve_claim,
        actions=["approve", "propose_approval", "confirm_approval"],
        what="Approve the claim: the pool's ledger records it. At or above the national threshold, or on an "
        "escalated request (`escalated`), the first national coordinator proposes (the claim stays "
        "`reported`, `approval_proposed_by` names them) and a second, different one confirms.",
    )
    cancel_approval = _claim_action(
        "cancel_approval",
        s.RequiredReasonSerializer,
        claim_services.cancel_claim_approval,
        url_path="cancel-approval",
        what="Withdraw a pending approval proposal (maker-checker), with a reason.",
    )
    reject = _claim_action(
        "reject",
        s.RequiredReasonSerializer,
        claim_services.reject_claim,
        what="Reject the claim, with the reason the institution will read; it may report the default again.",
    )
    pay = _claim_action(
        "pay",
        s.ReasonSerializer,
        claim_services.pay_claim,
        what="Record the payment of an approved claim: the pool's committed money becomes paid.",
    )
