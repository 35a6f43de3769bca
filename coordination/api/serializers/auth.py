from django.conf import settings
from rest_framework import serializers

from lenders.choices import InstitutionKind

from ...choices import Role
from ...models import (
    ApiToken,
)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=16, required=False, allow_blank=True, help_text="The authenticator's code, if two-factor."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once; send it as `Authorization: Bearer <token>`.")
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it later: never the key, only its first characters."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "integration", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class MeEnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    credit_code = serializers.CharField()
    region = serializers.CharField(help_text="GB/T 2260 code.")


class MeInstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=InstitutionKind.choices)


class MeCoordinatorScopeSerializer(serializers.Serializer):
    national = serializers.BooleanField()
    regions = serializers.ListField(child=serializers.CharField(), help_text="GB/T 2260 codes.")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(
        choices=[r.value for r in Role if r != Role.SYSTEM] + ["superuser", "none"]
    )
    roles = serializers.ListField(child=serializers.CharField())
    enterprises = MeEnterpriseSerializer(many=True)
    institution = MeInstitutionSerializer(allow_null=True)
    coordinator_scope = MeCoordinatorScopeSerializer(allow_null=True)
    language = serializers.CharField(default=settings.LANGUAGE_CODE)
