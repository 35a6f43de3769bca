"""Reads and scoping: what each user may see. Every list, detail, export and download goes through here.

By area: `scoping` (the one visibility function per model, roles), `viewer` (a user's roles read once),
`accounts` (roles and language of a user), `applicant` (the SME pages), `institution` (the teaser rule and
the workbench queue), `catalogue` (what an institution's managers keep: team and products), `inbox`,
`major_tasks` (their financing and packages). The package re-exports each, so callers keep writing
`selectors.requests_visible_to`; except `institution_performance` (an institution's record as the matcher
scores it), imported from its module so that reading the selectors does not load the matcher."""

from .accounts import (  # noqa: F401
    account_exists_with_email,
    describe_user,
    language_for,
    main_role,
    roles_of,
    stored_language,
)
from .applicant import (  # noqa: F401
    RequestParts,
    applicant_enterprises,
    applicant_events,
    applicant_major_tasks,
    applicant_request_parts,
    applicant_requests,
    applicant_viewer,
    disclosures_visible_to,
    pending_deadlines,
)
from .catalogue import (  # noqa: F401
    catalogue_products,
    institution_team,
    managed_institution,
    manages_an_institution,
)
from .inbox import (  # noqa: F401
    NotificationTarget,
    inbox_for,
    notification_targets,
    notifications_visible_to,
    unread_notification_count,
)
from .institution import (  # noqa: F401
    TEASER_PREFETCH,
    TEASER_SELECT,
    Teaser,
    institution_referrals,
    province_of,
    referral_queue,
    referral_teaser,
    sees_teaser_only,
    size_class_of,
    teaser_of,
    teaser_only_q,
    tech_sme_status,
    with_teaser_data,
)
from .major_tasks import (  # noqa: F401
    PackageViewer,
    financing_tasks_visible_to,
    lead_enterprise_packages,
    package_details,
    packages_visible_to,
    proposed_packages_for,
    roles_on_package,
)
from .policy import (  # noqa: F401
    budget_left_at,
    claimable_tranches,
    credits_by_version,
    enterprise_field_ids,
    follow_up_deal,
    is_first_loan,
    ledger_committed,
    offer_deal,
    other_public_compensation,
    programme_balance,
    programme_terms,
    programmes_in_force,
    programmes_visible_to,
    relending_ledger_of,
    risk_pools_on,
    tranche_commitment,
    window_deals,
)
from .scoping import (  # noqa: F401
    REASONS_FOR_APPLICANT,
    EnterpriseMembers,
    User,
    api_tokens_visible_to,
    applicant_reads_reason,
    claims_visible_to,
    coordinator_scope,
    coordinator_scopes_visible_to,
    credit_prefetches,
    credit_scores_visible_to,
    current_coordinator_scope,
    deadlines_visible_to,
    deliveries_visible_to,
    enterprise_people,
    enterprises_visible_to,
    events_visible_to,
    governs_region,
    is_applicant_only,
    join_requests_visible_to,
    major_tasks_visible_to,
    manages,
    member_enterprise,
    notification_settings_visible_to,
    offers_visible_to,
    opened_referrals_of,
    own_join_requests,
    pending_join_requests,
    referrals_visible_to,
    region_q,
    regions_governed_by,
    registered_enterprise,
    requests_visible_to,
    roles_on_claim,
    roles_on_referral,
    roles_on_request,
    scope_covers_region,
    webhooks_visible_to,
)
from .viewer import Viewer  # noqa: F401
