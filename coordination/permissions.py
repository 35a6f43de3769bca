"""The coordinators' admin permissions: the one place the group is defined (DESIGN.md §1, one rule).

Coordinators read in their scope and act through the workflow's action pages; they grant nothing.
The admin scopes every row through the selectors whatever the permission, and the grant models
(scopes, memberships, tokens, webhooks) take writes from superusers only, so this list is the least
a coordinator needs, not the only fence.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

COORDINATOR_GROUP = "Coordinators"

COORDINATOR_PERMISSIONS: tuple[str, ...] = (
    # The request record itself stays read-only in the admin; this permission opens its action pages.
    "coordination.change_financingrequest",
    "coordination.view_financingrequest",
    # The request's tranches (with their accepted offers) and documents, shown on its change page.
    "coordination.view_tranche",
    "coordination.view_requestdocument",
    "coordination.view_referral",
    "coordination.view_offer",
    "coordination.view_transitionevent",
    "coordination.view_deadline",
    "coordination.view_outboxmessage",
    "coordination.view_delivery",
    # Who has seen which applicant's data (DESIGN §1), for the requests in their regions.
    "coordination.view_disclosure",
    "coordination.view_servicelevel",
    # Service levels of their own regions (the admin refuses any other row).
    "coordination.add_servicelevel",
    "coordination.change_servicelevel",
    "coordination.delete_servicelevel",
    "coordination.view_holiday",
    # Policy programmes: drafts of their own regions (national: any); published versions stay read-only.
    "coordination.view_policyprogramme",
    "coordination.add_policyprogramme",
    "coordination.change_policyprogramme",
    "coordination.delete_policyprogramme",
    "coordination.view_programmeledgerentry",
    # Loss claims (DESIGN §10) in their regions: read-only records; this change permission opens the
    # approve, reject and pay pages.
    "coordination.view_lossclaim",
    "coordination.change_lossclaim",
    # Recommendation lists (DESIGN §14): built and published through the outreach service; read-only after.
    "coordination.view_recommendationlist",
    "coordination.add_recommendationlist",
    "coordination.change_recommendationlist",
    "coordination.view_recommendationentry",
    "coordination.view_recommendationrecipient",
    "coordination.view_recommendationfollowup",
    # Their own scope, tokens, webhooks and settings: read-only here.
    "coordination.view_coordinatorscope",
    "coordination.view_apitoken",
    "coordination.view_webhooksubscription",
    "coordination.view_notificationsetting",
    "projects.view_region",
    "projects.view_techfield",
    "projects.view_enterprise",
    "projects.view_enterprisefinancials",
    "projects.view_majortask",
    "projects.view_innovationcreditscore",
    "projects.view_creditmodel",
    "projects.view_creditindicator",
    "lenders.view_institution",
    "lenders.view_product",
    "lenders.view_relendingpolicy",
)


def coordinator_permissions() -> list[Permission]:
    query = Q(pk__in=[])
    for name in COORDINATOR_PERMISSIONS:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def sync_coordinator_group() -> Group:
    """Create the group or reduce it to exactly the list above (a wider grant made by hand is removed)."""
    group, _ = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    group.permissions.set(coordinator_permissions())
    return group


def sync_after_migrate(sender, **kwargs) -> None:
    """post_migrate: permissions exist only after every app migrated, so the group follows them."""
    sync_coordinator_group()
