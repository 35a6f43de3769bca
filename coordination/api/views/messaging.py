from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ... import selectors
from ...models import Notification, WebhookSubscription
from ...services import webhooks as webhook_services
from .. import filters as f
from .. import serializers as s
from ..base import GenericViewSet, IdCursor, NewestFirstCursor
from ..schema import ERRORS, READ_ERRORS, WRITE_ERRORS
from .common import validated


@extend_schema_view(
    list=extend_schema(responses={200: s.NotificationSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.NotificationSerializer, **READ_ERRORS}),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    queryset = Notification.objects.none()
    serializer_class = s.NotificationSerializer
    filterset_class = f.NotificationFilter
    pagination_class = NewestFirstCursor

    def get_queryset(self):
        return selectors.notifications_visible_to(self.request.user)

    @extend_schema(
        operation_id="markNotificationsRead",
        request=s.MarkReadSerializer,
        responses={200: s.MarkReadResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        data = validated(s.MarkReadSerializer, request)
        rows = self.get_queryset().filter(read_at__isnull=True)
        if "ids" in data:
            rows = rows.filter(pk__in=data["ids"])
        marked = rows.update(read_at=timezone.now())
        return Response(
            {"marked": marked, "unread": self.get_queryset().filter(read_at__isnull=True).count()}
        )


@extend_schema_view(
    list=extend_schema(responses={200: s.WebhookSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.WebhookSerializer, **READ_ERRORS}),
    destroy=extend_schema(responses={204: None, **ERRORS(401, 403, 404, 405, 406, 429)}),
)
class WebhookViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, GenericViewSet
):
    queryset = WebhookSubscription.objects.none()
    serializer_class = s.WebhookSerializer
    pagination_class = IdCursor

    def get_queryset(self):
        return selectors.webhooks_visible_to(self.request.user)

    @extend_schema(
        request=s.WebhookCreateSerializer,
        responses={201: s.WebhookCreatedSerializer, **WRITE_ERRORS},
        description="The signing secret is in this response only; store it.",
    )
    def create(self, request):
        data = validated(s.WebhookCreateSerializer, request)
        subscription = webhook_services.subscribe(
            user=request.user,
            url=data["url"],
            topics=data["topics"],
            party=data["party"],
            party_id=data.get("party_id"),
        )
        return Response(s.WebhookCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        webhook_services.unsubscribe(user=self.request.user, subscription_id=instance.pk)
