"""Which evaluation scopes a user may read (DESIGN §11): national coordinators any; a regional
coordinator its own regions and their sub-regions; nobody else any. Out of scope reads as not found."""

from projects.choices import InnovationCenter
from projects.models import Region

from ..evaluation.scope import CENTRE_PREFIX, NATIONAL, PILOT_ZONES, Scope, ScopeKind
from .scoping import User, coordinator_scope, scope_covers_region


def evaluation_scope(user: User, key: str) -> Scope | None:
    """The scope written `key` (national, a GB/T 2260 code, centre:<name>, pilot_zones) if the user may
    read it, else None."""
    scope = coordinator_scope(user)
    if scope is None:
        return None
    if key == NATIONAL:
        return Scope(ScopeKind.NATIONAL) if scope.national else None
    if key == PILOT_ZONES:
        return Scope(ScopeKind.PILOT_ZONES) if scope.national else None
    if key.startswith(CENTRE_PREFIX):
        centre = key.removeprefix(CENTRE_PREFIX)
        valid = centre in InnovationCenter.values and centre
        return Scope(ScopeKind.INNOVATION_CENTRE, centre=centre) if scope.national and valid else None
    region = Region.objects.filter(code=key).first()
    if region is None or not scope_covers_region(scope, region):
        return None
    return Scope(ScopeKind.REGION, region=region)


def default_evaluation_scope(user: User) -> Scope | None:
    """National for a national coordinator; a regional one's first region."""
    scope = coordinator_scope(user)
    if scope is None:
        return None
    if scope.national:
        return Scope(ScopeKind.NATIONAL)
    region = scope.regions.order_by("code").first()
    return Scope(ScopeKind.REGION, region=region) if region else None


def evaluation_scope_choices(user: User) -> list[Scope]:
    """The scopes offered to pick from: national ones see the pilot zones, the centres and the provinces."""
    scope = coordinator_scope(user)
    if scope is None:
        return []
    if not scope.national:
        return [Scope(ScopeKind.REGION, region=region) for region in scope.regions.order_by("code")]
    centres = [Scope(ScopeKind.INNOVATION_CENTRE, centre=c) for c in InnovationCenter.values if c]
    provinces = [Scope(ScopeKind.REGION, region=r) for r in Region.objects.filter(parent__isnull=True)]
    return [Scope(ScopeKind.NATIONAL), Scope(ScopeKind.PILOT_ZONES), *centres, *provinces]
