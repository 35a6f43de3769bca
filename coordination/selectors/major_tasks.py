"""Major tasks' financing (DESIGN §2, §14): which tasks a coordinator follows, which packages each party
sees, and the roles a user holds on a package. Out of scope reads as not found.

A coordinator follows the tasks whose lead enterprise is in its regions (national: every task). The lead
enterprise's managers see its packages once proposed (a draft is the coordinator's work in progress);
nobody else sees a package, institutions included: their invitation reaches them as the request's
referrals, once a coordinator routes the submitted request.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from projects.models import Enterprise, MajorTask

from ..choices import PackageStatus, Role
from ..models import FinancingPackage, PackageEvent, PackageTranche
from .scoping import Account, User, coordinator_scope, region_q

SHOWN_TO_LEAD = (PackageStatus.PROPOSED, PackageStatus.SUBMITTED, PackageStatus.DECLINED)


def financing_tasks_visible_to(user: User) -> QuerySet[MajorTask]:
    """The major tasks whose financing the user follows as a coordinator; none for anybody else."""
    scope = coordinator_scope(user)
    if scope is None:
        return MajorTask.objects.none()
    return MajorTask.objects.filter(region_q(scope, "lead_enterprise__region__code"))


def _managed_enterprises(user: Account) -> QuerySet:
    return Enterprise.managers.through.objects.filter(user_id=user.pk).values("enterprise_id")


def packages_visible_to(user: User) -> QuerySet[FinancingPackage]:
    if not user.is_authenticated:
        return FinancingPackage.objects.none()
    query = Q(major_task__lead_enterprise__in=_managed_enterprises(user), status__in=SHOWN_TO_LEAD)
    if coordinator_scope(user) is not None:
        query |= Q(major_task__in=financing_tasks_visible_to(user).values("pk"))
    return FinancingPackage.objects.filter(query)


def package_details(
    packages: QuerySet[FinancingPackage], *, events: bool = False
) -> QuerySet[FinancingPackage]:
    """What a package's page and payload read, in a fixed number of queries however many it lists; with
    `events`, its audit too (who moved it, when, why)."""
    details = packages.select_related("major_task__lead_enterprise", "request").prefetch_related(
        Prefetch(
            "tranches",
            queryset=PackageTranche.objects.order_by("position").prefetch_related("institutions"),
        )
    )
    if events:
        details = details.prefetch_related(
            Prefetch(
                "events", queryset=PackageEvent.objects.select_related("actor").order_by("created_at", "id")
            )
        )
    return details


@dataclass(frozen=True)
class PackageViewer:
    """Who a user is towards packages, read once (two queries at most), so that a list's rows cost none."""

    coordinator: bool
    task_ids: frozenset[int]
    managed_enterprise_ids: frozenset[int]

    @classmethod
    def of(cls, user: User) -> "PackageViewer":
        if not user.is_authenticated:
            return cls(False, frozenset(), frozenset())
        if coordinator_scope(user) is not None:
            tasks = financing_tasks_visible_to(user).values_list("pk", flat=True)
            return cls(True, frozenset(tasks), frozenset())
        return cls(
            False, frozenset(), frozenset(_managed_enterprises(user).values_list("enterprise_id", flat=True))
        )

    def roles_on(self, package: FinancingPackage) -> set[str]:
        if self.coordinator:
            return {Role.COORDINATOR} if package.major_task_id in self.task_ids else set()
        if package.status == PackageStatus.DRAFT:
            return set()
        lead = package.major_task.lead_enterprise_id
        return {Role.APPLICANT} if lead in self.managed_enterprise_ids else set()


def roles_on_package(user: User, package: FinancingPackage) -> set[str]:
    """Coordinator (the task in its scope) or applicant (a manager of the task's lead enterprise, once the
    package is proposed); a coordinator holds no other role (DESIGN §1: never an applicant)."""
    return PackageViewer.of(user).roles_on(package)


def lead_enterprise_packages(user: User) -> QuerySet[FinancingPackage]:
    """The packages proposed to enterprises the user manages as a task's lead enterprise (the SME portal's),
    whatever became of them since; never a draft."""
    if not user.is_authenticated:
        return FinancingPackage.objects.none()
    return package_details(
        FinancingPackage.objects.filter(
            major_task__lead_enterprise__in=_managed_enterprises(user), status__in=SHOWN_TO_LEAD
        )
    )


def proposed_packages_for(user: User) -> QuerySet[FinancingPackage]:
    """The packages waiting on the user as a manager of a task's lead enterprise (the SME home's list)."""
    return lead_enterprise_packages(user).filter(status=PackageStatus.PROPOSED)
