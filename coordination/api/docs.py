"""What the API says about its workflow, generated from the transition tables so that it cannot drift:
each action's "who, from which states, to which", the Mermaid state diagram in docs/workflow.md and the
hint a refused action carries when another action is the way forward."""

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext

from projects.sentences import one_after_the_other

from ..choices import Role
from ..errors import Conflict
from ..workflow.tables import (
    CLAIM_TERMINAL,
    CLAIM_TRANSITIONS,
    OFFER_TERMINAL,
    OFFER_TRANSITIONS,
    REFERRAL_TERMINAL,
    REFERRAL_TRANSITIONS,
    REQUEST_TERMINAL,
    REQUEST_TRANSITIONS,
    Transition,
)

Table = Mapping[str, Transition]

# Shown in the schema's examples; tests/api/test_api_docs.py checks that it passes the GB 32100 checksum.
EXAMPLE_CREDIT_CODE = "91310115MA1K4PQR70"
# The enterprise registered in the onboarding examples (passes too), and the same code mistyped in its
# last character (fails: "check character should be '7', got '0'"); tests/api/test_enterprise_onboarding.py.
EXAMPLE_ENTERPRISE_CREDIT_CODE = "91310115MA1H7XKC37"
EXAMPLE_MISTYPED_CREDIT_CODE = "91310115MA1H7XKC30"

REGISTER_ENTERPRISE = (
    "Register an enterprise; you become its first member and **manager** (DESIGN §1: the user who "
    "registers a new enterprise is its first manager; managers let others join and keep the yearly "
    "financials).\n\n"
    "The credit code is checked first (GB 32100-2015: 18 characters, no I, O, S, V or Z, and the 18th a "
    "check character computed from the first 17). A wrong code is a **400** whose `error.fields.credit_code` "
    "says why (for example `check character should be '7', got '0'`), and **nothing is created**.\n\n"
    "**A code already registered creates no duplicate.** The call answers **202 Accepted** with a "
    "*request to join* that enterprise (the `JoinRequest` below, `status: pending`, your `message` passed "
    "on) and its managers are notified; one of them (or a superuser) approves or refuses it. `Location` "
    "names the request to join; calling again while it is pending returns the same request. So: 201 = a "
    "new enterprise is yours; 202 = you asked to join an existing one (follow it at "
    "`GET /api/v1/enterprise-join-requests/{id}/`); 409 `already_member` = you are already a member.\n\n"
    "**Who:** any signed-in user except coordinators (403: coordinators never act as an applicant)."
)

JOIN_REQUESTS = (
    "Requests to join an enterprise: you see your own, those for the enterprises you manage, and "
    "(superusers) "
    "all. Anyone else, coordinators included, gets a 404 for a request of theirs."
)

DECIDE_JOIN_REQUEST = (
    "{verb} a pending request to join.\n\n"
    "**Who:** a manager of the enterprise, or a superuser; never the applicant (403 `own_request`), never a "
    "coordinator (a coordinator who manages nothing gets a 404; one who does, a 403). {effect}\n\n"
    "Errors: 404 when the request does not exist or is outside your sight; 409 `already_decided` when it "
    "was approved or refused before (the first decision stands)."
)

FINANCIALS = (
    "{what} The enterprise's innovation credit for that year, and for the next year if it has figures "
    "(its growth rates change), is recomputed at once under the current published model.\n\n"
    "Amounts in yuan as decimal strings; `st_staff` at most `staff`; the year from the founding year to "
    "this year.\n\n"
    "**Who:** a manager of the enterprise. A member who is not a manager, or a coordinator in scope: 403 "
    "`not_manager`. Anyone else: 404."
)

MACHINES: tuple[tuple[str, str, Table, frozenset[str]], ...] = (
    ("financing_request", "Financing request", REQUEST_TRANSITIONS, REQUEST_TERMINAL),
    ("referral", "Referral", REFERRAL_TRANSITIONS, REFERRAL_TERMINAL),
    ("offer", "Offer", OFFER_TRANSITIONS, OFFER_TERMINAL),
    ("loss_claim", "Loss claim", CLAIM_TRANSITIONS, CLAIM_TERMINAL),
)

WHO = {
    Role.APPLICANT: "the applicant (a user of the requesting enterprise)",
    Role.INSTITUTION: "a reviewer of the institution the referral or offer belongs to",
    Role.COORDINATOR: "a coordinator whose scope covers the request (national coordinators: every request)",
    Role.SYSTEM: "the system",
}

ERRORS_SENTENCE = (
    "Errors: 404 when the object does not exist or is outside your scope; 403 when you see it but your role "
    "may not take this action; 409 (`invalid_transition`, or `use_<action>` naming the action to use "
    "instead) when the object is in any other state or someone acted first; 400 naming each invalid field."
)


def _codes(values: Iterable[str]) -> str:
    return ", ".join(f"`{value}`" for value in sorted(values))


def _callers(spec: Transition) -> str:
    people = [WHO[Role(role)] for role in sorted(spec.roles) if role != Role.SYSTEM]
    return " or ".join(people) if people else WHO[Role.SYSTEM]


def describe_action(table: Table, actions: Iterable[str], what: str) -> str:
    """An operation's description: `what`, then who may call it, from which states to which, and its errors.

    `actions` lists the table rows the endpoint may take (approve may propose, confirm or approve at once).
    """
    specs = [table[action] for action in actions]
    first = specs[0]
    sources = frozenset().union(*(spec.sources for spec in specs))
    targets = {spec.target for spec in specs}
    lines = [
        what,
        "",
        f"**Who:** {_callers(first)}.",
        f"**From:** {_codes(sources)}. **To:** {_codes(targets)}.",
    ]
    if any(spec.reason_required for spec in specs):
        lines.append("**Reason:** required.")
    lines += ["", ERRORS_SENTENCE, "", "The whole workflow: docs/workflow.md."]
    return "\n".join(lines)


def _way_forward(table: Table, refused: str, status: str) -> tuple[str, str] | None:
    """The action the caller meant, from the state the object is in: one that leads where the refused
    action leads (`use`), or else one that leads to a state the refused action starts from (`first`)."""
    spec = table.get(refused)
    if spec is None:
        return None
    open_here = [
        (name, other)
        for name, other in sorted(table.items())
        if name != refused and status in other.sources and other.roles & spec.roles
    ]
    for name, other in open_here:
        if other.target == spec.target:
            return "use", name
    for name, other in open_here:
        if other.target in spec.sources:
            return "first", name
    return None


def with_hint(conflict: Conflict, table: Table, refused: str, status: str) -> Conflict:
    """A state conflict that names the way forward; any other conflict unchanged."""
    if conflict.code != "invalid_transition":
        return conflict
    forward = _way_forward(table, refused, status)
    if forward is None:
        return conflict
    kind, action = forward
    if kind == "use":
        hint, code = gettext("Use `%(action)s` instead.") % {"action": action}, f"use_{action}"
    else:
        hint, code = gettext("Call `%(action)s` first.") % {"action": action}, conflict.code
    return Conflict(one_after_the_other(conflict.message, hint), code=code, fields=conflict.fields)


def _mermaid(title: str, table: Table, terminal: frozenset[str]) -> list[str]:
    sources = frozenset().union(*(spec.sources for spec in table.values()))
    # A decision that keeps the status (a proposal) does not make its state one that is only entered.
    targets = {spec.target for spec in table.values() if spec.sources != {spec.target}}
    lines = [f"## {title}", "", "```mermaid", "stateDiagram-v2"]
    lines += [f"    [*] --> {state}" for state in sorted(sources - targets)]
    for name, spec in table.items():
        who = ", ".join(sorted(spec.roles))
        reason = ", reason" if spec.reason_required else ""
        lines += [
            f"    {source} --> {spec.target} : {name} ({who}{reason})" for source in sorted(spec.sources)
        ]
    lines += [f"    {state} --> [*]" for state in sorted(terminal)]
    lines += ["```", ""]
    return lines


def workflow_markdown() -> str:
    """docs/workflow.md: `manage.py workflow_diagram > docs/workflow.md`; a test keeps the file current."""
    lines = [
        "# Workflow",
        "",
        "Generated from `coordination/workflow/tables.py` by",
        "`manage.py workflow_diagram > docs/workflow.md`; do not edit by hand (a test compares this file",
        "with the command's output).",
        "",
        "Each arrow is one action: `action (roles that may take it)`; `reason` marks actions that need one.",
        "Through the API an action is `POST /api/v1/<requests|referrals|offers|loss-claims>/<id>/<action>/`",
        "(underscores become hyphens). `system` actions happen on their own: screening right after `submit`",
        "and `resubmit`, expiry at deadlines, `supersede` when another offer wins the tranche. A loss claim",
        "is created by the institution's `report_default`.",
        "",
    ]
    for _object_type, title, table, terminal in MACHINES:
        lines += _mermaid(title, table, terminal)
    return "\n".join(lines)
