from rest_framework import serializers

from ...models import (
    Notification,
    WebhookSubscription,
)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "topic", "title", "body", "request", "read_at", "created_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500)


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "topics",
            "is_active",
            "institution",
            "enterprise",
            "coordinator",
            "created_at",
        ]
        read_only_fields = ["id", "institution", "enterprise", "coordinator", "created_at"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    topics = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=50
    )
    party = serializers.ChoiceField(choices=["enterprise", "institution", "coordinator"])
    party_id = serializers.IntegerField(min_value=1, required=False)


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True)

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
