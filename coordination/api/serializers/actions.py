from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import selectors
from ...workflow import engine

# Through the API a request has at most this many tranches, numbered from 1.
MAX_TRANCHES = 10


RATE_HELP = _("Annual interest rate as a fraction: 0.0345 = 3.45% a year.")


class AvailableActionsMixin(serializers.Serializer):
    """The actions the caller may take on the object now, as the engine judges them (the same list
    the admin shows as buttons). The caller's roles are read once per API request, not per row."""

    available_actions = serializers.SerializerMethodField(
        help_text=_("Actions the caller may take now, by the workflow's tables and rules.")
    )

    def viewer(self) -> selectors.Viewer | None:
        """The caller, read once per API request: the list's rows share the root serializer's context."""
        request = self.context.get("request")
        if request is None:
            return None
        viewer = self.context.get("viewer")
        if viewer is None:
            viewer = self.context["viewer"] = selectors.Viewer.of(request.user)
        return viewer

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_actions(self, obj) -> list[str]:
        return available_actions(obj, self.viewer())


def available_actions(obj, viewer: selectors.Viewer | None) -> list[str]:
    """`available_actions` of one object (a list's rows ask this too): none without a caller."""
    if viewer is None:
        return []
    return engine.available_actions(obj, viewer.user, viewer)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
