"""The viewer: who a user is (coordinator scope, enterprise and institution memberships), read once so
that the roles on many loaded objects cost no query each. The rule itself is `scoping.request_roles`."""

from dataclasses import dataclass, field

from lenders.models import Institution

from ..choices import Role
from ..models import CoordinatorScope, FinancingRequest, LossClaim, Offer, Referral
from . import plain_sql
from .scoping import EnterpriseMembers, User, coordinator_scope, current_coordinator_scope, request_roles

InstitutionMembers = Institution.members.through


def _memberships(user_id: int) -> list[tuple[str, int]]:
    """("enterprise" | "institution", id) for every membership of the user: both join tables in one query,
    in plain SQL (every API request that answers with actions reads it; through the ORM the union cost
    more to build and compile than to run)."""
    read = plain_sql.Read(
        f"SELECT 'enterprise', m.enterprise_id FROM {EnterpriseMembers._meta.db_table} m "
        "WHERE m.user_id = %s "
        f"UNION ALL SELECT 'institution', m.institution_id FROM {InstitutionMembers._meta.db_table} m "
        "WHERE m.user_id = %s",
        [user_id, user_id],
        list,
    )
    return plain_sql.run([read])[0]


@dataclass
class Viewer:
    """Who a user is, read once, so that the roles on many loaded objects cost no query each.

    Gives the same roles as `roles_on_request` / `roles_on_referral` for objects loaded with their
    request's enterprise and region; the API's payloads use it to list `available_actions`, and
    `sees_teaser_only` to decide what of a referral it shows.
    """

    user: User
    scope: CoordinatorScope | None
    enterprise_ids: frozenset[int]
    institution_ids: frozenset[int]
    _institution_request_ids: frozenset[int] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, user: User, *, after_action: bool = False) -> "Viewer":
        """`after_action`: the user object is an action's own, which read the scope under its lock a moment
        ago (`rules.current_scope`); its answer shows the caller's actions with that scope (read now if the
        action did not), not a third read."""
        if not user.is_authenticated:
            return cls(user, None, frozenset(), frozenset())
        scope = coordinator_scope(user) if after_action else current_coordinator_scope(user)
        ids: dict[str, set[int]] = {"enterprise": set(), "institution": set()}
        for kind, pk in _memberships(user.pk):
            ids[kind].add(pk)
        return cls(user, scope, frozenset(ids["enterprise"]), frozenset(ids["institution"]))

    def institution_request_ids(self) -> frozenset[int]:
        if self._institution_request_ids is None:
            self._institution_request_ids = frozenset(
                Referral.objects.filter(institution_id__in=self.institution_ids, opened_at__isnull=False)
                # A set of ids: the model's ordering would join the request and tranche tables for nothing.
                .order_by()
                .values_list("request_id", flat=True)
                if self.institution_ids
                else ()
            )
        return self._institution_request_ids

    def roles_on(self, obj: FinancingRequest | Referral | Offer | LossClaim) -> set[str]:
        if isinstance(obj, FinancingRequest):
            return self._roles_on_request(obj)
        if isinstance(obj, LossClaim):
            roles = self._roles_on_request(obj.request) & {Role.COORDINATOR}
            if obj.institution_id in self.institution_ids:
                roles.add(Role.INSTITUTION)
            return roles
        institution_id = obj.institution_id if isinstance(obj, Referral) else obj.referral.institution_id
        roles = self._roles_on_request(obj.request) - {Role.INSTITUTION}
        if institution_id in self.institution_ids:
            roles.add(Role.INSTITUTION)
        return roles

    def _roles_on_request(self, request: FinancingRequest) -> set[str]:
        return request_roles(
            request,
            self.scope,
            is_member=lambda: request.enterprise_id in self.enterprise_ids,
            has_opened_referral=lambda: (
                bool(self.institution_ids) and request.pk in self.institution_request_ids()
            ),
        )
