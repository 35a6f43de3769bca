"""The demo logins of DESIGN.md §8 and their memberships and coordinator scopes."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from coordination.models import CoordinatorScope
from coordination.permissions import sync_coordinator_group
from lenders.models import Institution
from projects.models import Enterprise

from .blocks import (
    APPLICANT_2_ENTERPRISE,
    APPLICANT_ENTERPRISES,
    DEMO_BANK,
    DEMO_BANK_2,
    DEMO_GUARANTOR,
    DEMO_INSURER,
    DEMO_VC,
    SHANGHAI,
    bulk_create,
    link_pairs,
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    is_staff: bool = False
    is_superuser: bool = False
    enterprises: tuple[int, ...] = ()
    institution: int | None = None
    # DESIGN §8: demo-bank manages its institution; so does each other institution's one demo reviewer.
    manages_institution: bool = False
    # None: no coordinator scope; () with national=True: national; region codes otherwise.
    coordinator_regions: tuple[str, ...] | None = None
    national: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo-applicant", "演示申请人", enterprises=APPLICANT_ENTERPRISES),
    DemoUser("demo-applicant-2", "演示申请人二", enterprises=(APPLICANT_2_ENTERPRISE,)),
    DemoUser("demo-bank", "演示银行审查员", institution=DEMO_BANK, manages_institution=True),
    DemoUser("demo-bank-2", "演示银行审查员二", institution=DEMO_BANK_2, manages_institution=True),
    DemoUser("demo-insurer", "演示保险审查员", institution=DEMO_INSURER, manages_institution=True),
    DemoUser("demo-vc", "演示投资经理", institution=DEMO_VC, manages_institution=True),
    DemoUser("demo-guarantor", "演示担保审查员", institution=DEMO_GUARANTOR, manages_institution=True),
    DemoUser("demo-coordinator", "上海市协调员", is_staff=True, coordinator_regions=(SHANGHAI,)),
    DemoUser("demo-national", "国家协调员", is_staff=True, coordinator_regions=(), national=True),
    DemoUser("demo-national-2", "国家协调员二", is_staff=True, coordinator_regions=(), national=True),
    DemoUser("admin", "管理员", is_staff=True, is_superuser=True),
)


DEMO_USERNAMES: tuple[str, ...] = tuple(user.username for user in DEMO_USERS)


def seed_users(
    passwords: tuple[str, str],
    enterprise_ids: dict[int, int],
    institution_ids: dict[int, int],
    regions: dict[str, int],
) -> None:
    """`passwords`: the demo logins' and the superuser's."""
    user_model = get_user_model()
    # One hash per password, not per login: hashing is deliberately slow.
    login_hash, superuser_hash = (make_password(password) for password in passwords)
    hashes = {demo.username: superuser_hash if demo.is_superuser else login_hash for demo in DEMO_USERS}
    users = {user.username: user for user in user_model.objects.filter(username__in=DEMO_USERNAMES)}
    missing = [
        user_model(
            username=demo.username,
            first_name=demo.first_name,
            email=f"{demo.username}@demo.techfin.invalid",
            is_staff=demo.is_staff,
            is_superuser=demo.is_superuser,
            is_active=True,
            password=hashes[demo.username],
        )
        for demo in DEMO_USERS
        if demo.username not in users
    ]
    bulk_create(user_model, missing)
    for user in users.values():
        demo = next(d for d in DEMO_USERS if d.username == user.username)
        user.password, user.is_active = hashes[user.username], True
        user.is_staff = user.is_staff or demo.is_staff
        user.is_superuser = user.is_superuser or demo.is_superuser
    if users:
        user_model.objects.bulk_update(users.values(), ["password", "is_active", "is_staff", "is_superuser"])
    user_ids = dict(user_model.objects.filter(username__in=DEMO_USERNAMES).values_list("username", "id"))

    # The demo applicants manage their enterprises (DESIGN §1): they keep the figures and decide who joins.
    applicant_pairs = [
        (enterprise_ids[index], user_ids[demo.username]) for demo in DEMO_USERS for index in demo.enterprises
    ]
    link_pairs(Enterprise, "members", applicant_pairs)
    link_pairs(Enterprise, "managers", applicant_pairs)
    link_pairs(
        Institution,
        "members",
        (
            (institution_ids[demo.institution], user_ids[demo.username])
            for demo in DEMO_USERS
            if demo.institution is not None
        ),
    )
    link_pairs(
        Institution,
        "managers",
        (
            (institution_ids[demo.institution], user_ids[demo.username])
            for demo in DEMO_USERS
            if demo.institution is not None and demo.manages_institution
        ),
    )

    coordinators = [demo for demo in DEMO_USERS if demo.coordinator_regions is not None]
    scopes = {
        scope.user_id: scope for scope in CoordinatorScope.objects.filter(user_id__in=user_ids.values())
    }
    bulk_create(
        CoordinatorScope,
        [
            CoordinatorScope(user_id=user_ids[demo.username], national=demo.national)
            for demo in coordinators
            if user_ids[demo.username] not in scopes
        ],
    )
    changed = []
    for demo in coordinators:
        scope = scopes.get(user_ids[demo.username])
        if scope is not None and scope.national != demo.national:
            scope.national = demo.national
            changed.append(scope)
    if changed:
        CoordinatorScope.objects.bulk_update(changed, ["national"])
    scope_ids = dict(
        CoordinatorScope.objects.filter(user_id__in=user_ids.values()).values_list("user_id", "id")
    )
    link_pairs(
        CoordinatorScope,
        "regions",
        (
            (scope_ids[user_ids[demo.username]], regions[code])
            for demo in coordinators
            for code in demo.coordinator_regions or ()
        ),
    )

    group = sync_coordinator_group()
    group.user_set.add(*(user_ids[demo.username] for demo in coordinators if demo.is_staff))
