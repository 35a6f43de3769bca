"""Policy programmes' life (DESIGN §10): a draft is edited, then published; a published version never
changes, so a change is a new version (a draft copy) with its own window. Every change is in the
programme's history (simple-history, readable in the admin)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from .. import selectors
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import PolicyProgramme


def may_edit_programme(user, programme: PolicyProgramme | None) -> bool:
    """Superusers and national coordinators edit any programme; a regional coordinator those of its
    regions; `None` asks whether the user may add one at all. Published versions are nobody's to edit."""
    if user.is_superuser:
        return programme is None or not programme.is_published
    if selectors.coordinator_scope(user) is None:
        return False
    if programme is None:
        return True
    return not programme.is_published and selectors.governs_region(user, programme.region)


def _locked(programme_id: int, user) -> PolicyProgramme:
    programme = (
        selectors.programmes_visible_to(user).select_for_update(of=("self",)).filter(pk=programme_id).first()
    )
    if programme is None:
        raise NotFound(gettext("No such policy programme."))
    return programme


@transaction.atomic
def publish_programme(*, programme_id: int, user) -> PolicyProgramme:
    """Publish a draft: from now on it applies to deals in its window and never changes."""
    programme = _locked(programme_id, user)
    if programme.is_published:
        raise Conflict(gettext("This version is already published."), code="programme_published")
    if not may_edit_programme(user, programme):
        raise PermissionDenied(gettext("Only a coordinator of the programme's region may publish it."))
    try:
        programme.full_clean()
    except ValidationError as error:  # a draft saved before a rule changed: name what is wrong
        raise ValidationFailed(gettext("The programme is not valid."), fields=error.message_dict) from error
    programme.published_at = timezone.now()
    programme._change_reason = gettext("published")  # type: ignore[attr-defined]
    programme.save(update_fields=["published_at", "parameters"])
    return programme


@transaction.atomic
def new_programme_version(*, programme_id: int, user) -> PolicyProgramme:
    """A draft copy of a version, numbered after the newest of its code, to change and publish."""
    source = _locked(programme_id, user)
    if not (user.is_superuser or selectors.governs_region(user, source.region)):
        raise PermissionDenied(gettext("Only a coordinator of the programme's region may version it."))
    newest = PolicyProgramme.objects.filter(code=source.code).aggregate(v=Max("version"))["v"] or 0
    fields = list(source.fields.all())
    copy = PolicyProgramme.objects.get(pk=source.pk)
    copy.pk = None
    copy.version = newest + 1
    copy.published_at = None
    copy.valid_from = max(source.valid_from, timezone.localdate())
    copy._change_reason = gettext("new version of %(name)s v%(version)s") % {  # type: ignore[attr-defined]
        "name": source.name,
        "version": source.version,
    }
    copy.save()
    copy.fields.set(fields)
    return copy
