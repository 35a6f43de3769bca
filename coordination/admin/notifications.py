"""Admin for the delivery side: outbox rows, deliveries (dead letters re-sendable), webhooks, tokens."""

import secrets

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.forms import JSON_FORM_FIELDS

from .. import selectors
from ..models import ApiToken, Delivery, DeliveryAttempt, NotificationSetting, WebhookSubscription
from ..notifications import relay
from ..services.tokens import hash_key, revoke
from .forms import WebhookSubscriptionForm
from .scoping import GrantAdmin, ReadOnlyAdmin, ScopedAdmin


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    fields = ["at", "ok", "response_status", "response_excerpt", "duration_ms", "error"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = [
        "key",
        "channel",
        "state",
        "attempts",
        "user",
        "subscription",
        "next_attempt_at",
        "response_status",
        "delivered_at",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["key", "user__username", "subscription__url", "message__request__reference"]
    list_select_related = ["user", "subscription"]
    inlines = [AttemptInline]
    actions = ["resend"]

    @admin.action(description=_("Send the selected dead letters again"))
    def resend(self, request, queryset):
        count = relay.resend(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, _("%(count)d dead letters queued again.") % {"count": count}, messages.SUCCESS
        )

    def has_change_permission(self, request, obj=None):
        # Needed for the resend action; every field stays read-only.
        return request.user.has_perm("coordination.change_delivery")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.deliveries_visible_to(user).values("pk"))


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(GrantAdmin):
    """Another party's endpoint is neither shown nor changed here; superusers change any."""

    form = WebhookSubscriptionForm
    formfield_overrides = {models.JSONField: JSON_FORM_FIELDS}
    list_display = ["url", "institution", "enterprise", "coordinator", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "institution__name", "enterprise__name", "coordinator__username"]
    readonly_fields = ["created_by", "created_at"]
    autocomplete_fields = ["institution", "enterprise", "coordinator"]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.webhooks_visible_to(user).values("pk"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.secret = secrets.token_urlsafe(32)
            obj.created_by = request.user
            self.message_user(
                request, _("Signing secret (shown once): %(s)s") % {"s": obj.secret}, messages.WARNING
            )
        super().save_model(request, obj, form, change)


@admin.register(NotificationSetting)
class NotificationSettingAdmin(ScopedAdmin):
    formfield_overrides = {models.JSONField: JSON_FORM_FIELDS}
    list_display = ["user", "language", "email_digest"]
    list_filter = ["language", "email_digest"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.notification_settings_visible_to(user).values("pk"))


@admin.register(ApiToken)
class ApiTokenAdmin(GrantAdmin):
    """Integration tokens are made here by a superuser for a party's service user; the key is shown once.
    Everyone else sees and revokes only their own tokens."""

    fields = ["user", "name", "integration"]
    autocomplete_fields = ["user"]
    list_display = ["name", "prefix", "user", "integration", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["integration", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke_tokens"]

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke_tokens(self, request, queryset):
        for token in queryset:
            revoke(token)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)

    def has_revoke_permission(self, request) -> bool:
        """The selection comes from the scoped list: a non-superuser can only pick their own tokens."""
        return self.has_view_permission(request)

    def scope(self, queryset, user):
        return queryset.filter(pk__in=selectors.api_tokens_visible_to(user).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        key = secrets.token_urlsafe(32)
        obj.prefix, obj.key_hash = key[:8], hash_key(key)
        super().save_model(request, obj, form, change)
        self.message_user(request, _("Token (shown once): %(key)s") % {"key": key}, messages.WARNING)
