from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import (
    Deadline,
    OutboxMessage,
    TransitionEvent,
)
from ..workflow.labels import event_words
from .display import local_time, object_label, pretty_json, transition_label
from .inlines import RequestScopedAdmin
from .scoping import ReadOnlyAdmin


@admin.register(TransitionEvent)
class TransitionEventAdmin(ReadOnlyAdmin, RequestScopedAdmin):
    list_display = ["time", "request", "object", "what", "transition", "actor", "actor_role", "reason"]
    list_filter = ["action", "object_type", "actor_role"]
    search_fields = ["request__reference"]
    list_select_related = ["request", "actor"]
    fields = [
        "request",
        "object_type",
        "object_id",
        "action",
        "what",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "reason",
        "data_display",
        "idempotency_key",
        "time",
    ]
    readonly_fields = fields

    @admin.display(description=_("time (Asia/Shanghai)"), ordering="created_at")
    def time(self, obj: TransitionEvent) -> str:
        return local_time(obj.created_at)

    @admin.display(description=_("object"))
    def object(self, obj: TransitionEvent) -> str:
        return object_label(obj.object_type, obj.object_id)

    @admin.display(description=_("what happened"), ordering="action")
    def what(self, obj: TransitionEvent) -> str:
        return event_words(obj.object_type, obj.action)

    @admin.display(description=_("from → to"))
    def transition(self, obj: TransitionEvent) -> str:
        return transition_label(obj.object_type, obj.from_status, obj.to_status)

    @admin.display(description=_("data"))
    def data_display(self, obj: TransitionEvent) -> str:
        return pretty_json(obj.data)


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin, RequestScopedAdmin):
    list_display = ["request", "object", "stage", "kind", "due", "state", "fired"]
    list_filter = ["state", "kind", "stage"]
    search_fields = ["request__reference"]
    list_select_related = ["request"]
    fields = ["request", "object", "stage", "kind", "due", "state", "fired", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("object"))
    def object(self, obj: Deadline) -> str:
        return object_label(obj.object_type, obj.object_id)

    @admin.display(description=_("due at (Asia/Shanghai)"), ordering="due_at")
    def due(self, obj: Deadline) -> str:
        return local_time(obj.due_at)

    @admin.display(description=_("fired at"), ordering="fired_at")
    def fired(self, obj: Deadline) -> str:
        return local_time(obj.fired_at)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin, RequestScopedAdmin):
    list_display = ["topic", "request", "state", "attempts", "next_attempt_at", "created_at", "sent_at"]
    list_filter = ["state"]
    search_fields = ["topic", "request__reference"]
    list_select_related = ["request"]
    fields = [
        "topic",
        "request",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "payload_display",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("payload"))
    def payload_display(self, obj: OutboxMessage) -> str:
        return pretty_json(obj.payload)
