"""Who acts in the history: an applicant login per enterprise that asks, a reviewer per institution that is
asked (its first member, else one made for it), and the demo's coordinators.

The logins made here cannot sign in (no usable password) and have no e-mail address: they exist so that
every step has the actor the services require, as a real member of the party.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser

from lenders.models import Institution
from projects.models import Enterprise

from ..seed.blocks import bulk_create, link_pairs

APPLICANT_PREFIX = "history-applicant-"
REVIEWER_PREFIX = "history-reviewer-"


def _logins(usernames: Iterable[str], first_name: str) -> dict[str, int]:
    user_model = get_user_model()
    wanted = list(dict.fromkeys(usernames))
    existing = set(user_model.objects.filter(username__in=wanted).values_list("username", flat=True))
    unusable = make_password(None)
    bulk_create(
        user_model,
        [
            user_model(username=name, first_name=first_name, password=unusable, is_active=True)
            for name in wanted
            if name not in existing
        ],
    )
    return dict(user_model.objects.filter(username__in=wanted).values_list("username", "id"))


class Cast:
    def __init__(self, coordinators: dict[str, AbstractBaseUser]) -> None:
        self.coordinators = coordinators
        self._applicants: dict[int, int] = {}  # enterprise id -> user id
        self._reviewers: dict[int, int] = {}  # institution id -> user id
        self._users: dict[int, AbstractBaseUser] = {}

    def _user(self, pk: int) -> AbstractBaseUser:
        if pk not in self._users:
            self._users[pk] = get_user_model().objects.get(pk=pk)
        return self._users[pk]

    def enlist_applicants(self, credit_codes: Iterable[str]) -> dict[str, int]:
        """A member login for each enterprise; returns credit code -> enterprise id."""
        enterprises = dict(
            Enterprise.objects.filter(credit_code__in=list(credit_codes)).values_list("credit_code", "id")
        )
        users = _logins((APPLICANT_PREFIX + code for code in enterprises), "申请人")
        link_pairs(
            Enterprise, "members", ((pk, users[APPLICANT_PREFIX + code]) for code, pk in enterprises.items())
        )
        self._applicants.update({pk: users[APPLICANT_PREFIX + code] for code, pk in enterprises.items()})
        return enterprises

    def applicant(self, enterprise_id: int) -> AbstractBaseUser:
        return self._user(self._applicants[enterprise_id])

    def reviewer(self, institution_id: int) -> AbstractBaseUser:
        """The institution's first member, or a reviewer made for an institution nobody has joined."""
        if institution_id not in self._reviewers:
            member = (
                Institution.members.through.objects.filter(institution_id=institution_id)
                .order_by("user_id")
                .values_list("user_id", flat=True)
                .first()
            )
            if member is None:
                code = Institution.objects.values_list("credit_code", flat=True).get(pk=institution_id)
                member = _logins([REVIEWER_PREFIX + code], "审查员")[REVIEWER_PREFIX + code]
                link_pairs(Institution, "members", [(institution_id, member)])
            self._reviewers[institution_id] = member
        return self._user(self._reviewers[institution_id])
