"""Examples shown in the OpenAPI schema: a 3 000 000 yuan request in two tranches, as clients send and see it.

Amounts are yuan as decimal strings, rates are annual fractions (0.0345 = 3.45%), credit codes pass the
GB 32100 checksum (docs.EXAMPLE_CREDIT_CODE, checked by a test)."""

from drf_spectacular.utils import OpenApiExample

from .docs import EXAMPLE_CREDIT_CODE, EXAMPLE_ENTERPRISE_CREDIT_CODE, EXAMPLE_MISTYPED_CREDIT_CODE

CREATE_REQUEST = OpenApiExample(
    "A working-capital loan with an R&D insurance tranche",
    request_only=True,
    value={
        "enterprise": 12,
        "purpose": "Pilot line for solid-state battery separators",
        "amount": "3000000.00",
        "term_months": 36,
        "needed_by": "2026-06-30",
        "major_task": None,
        "tranches": [
            {"instrument": "credit_loan", "amount": "2500000.00"},
            {"instrument": "rd_insurance", "amount": "500000.00"},
        ],
    },
)


def _request(status: str, *, missing: list[str], screening_missing: list[str]) -> dict:
    return {
        "id": 41,
        "reference": "FR-2026-000041",
        "status": status,
        "enterprise": 12,
        "enterprise_name": "上海芯材科技有限公司",
        "region": "310115",
        "major_task": None,
        "purpose": "Pilot line for solid-state battery separators",
        "amount": "3000000.00",
        "currency": "CNY",
        "term_months": 36,
        "needed_by": "2026-06-30",
        "tranches": [
            {
                "id": 81,
                "position": 1,
                "instrument": "credit_loan",
                "amount": "2500000.00",
                "accepted_offer": None,
                "funded_amount": None,
                "funded_on": None,
            },
            {
                "id": 82,
                "position": 2,
                "instrument": "rd_insurance",
                "amount": "500000.00",
                "accepted_offer": None,
                "funded_amount": None,
                "funded_on": None,
            },
        ],
        "escalated": False,
        "needs_rerouting": False,
        "overdue": False,
        "info_request": "\n".join(screening_missing),
        "screening": {"checked_at": "2026-01-20T02:15:00+00:00", "missing": screening_missing},
        "approval_proposed_by": None,
        "partial_package_reason": "",
        "created_at": "2026-01-20T02:10:00Z",
        "submitted_at": "2026-01-20T02:15:00Z",
        "updated_at": "2026-01-20T02:15:00Z",
        "missing_documents": missing,
    }


SUBMIT_RESPONSES = [
    OpenApiExample(
        "Screening passed",
        response_only=True,
        value=_request("triage", missing=[], screening_missing=[]),
    ),
    OpenApiExample(
        "A document is missing",
        response_only=True,
        value=_request(
            "info_requested", missing=["business_plan"], screening_missing=["document: business plan"]
        ),
    ),
]

OFFER_EXAMPLES = [
    OpenApiExample(
        "A three-year loan at 3.45%",
        request_only=True,
        value={
            "amount": "2500000.00",
            "annual_rate": "0.0345",
            "term_months": 36,
            "valid_until": "2026-02-28",
            "terms": {"collateral": "IP pledge", "repayment": "monthly interest, principal at maturity"},
        },
    ),
    OpenApiExample(
        "The offer made",
        response_only=True,
        status_codes=[201],
        value={
            "id": 7,
            "referral": 19,
            "tranche": 81,
            "request": 41,
            "reference": "FR-2026-000041",
            "institution": 3,
            "status": "open",
            "amount": "2500000.00",
            "annual_rate": "0.0345",
            "term_months": 36,
            "terms": {"collateral": "IP pledge", "repayment": "monthly interest, principal at maturity"},
            "valid_until": "2026-02-28",
            "created_at": "2026-01-27T06:30:00Z",
        },
    ),
]

INSTITUTION = OpenApiExample(
    "A bank",
    response_only=True,
    value={
        "id": 3,
        "name": "浦东科技银行",
        "kind": "bank",
        "credit_code": EXAMPLE_CREDIT_CODE,
        "regions": ["310000"],
        "relending_eligible": True,
    },
)


# --- onboarding --------------------------------------------------------------------------------------

_NEW_ENTERPRISE = {
    "credit_code": EXAMPLE_ENTERPRISE_CREDIT_CODE,
    "name": "上海芯材科技有限公司",
    "region": "310115",
    "fields": ["new-materials"],
    "founded_on": "2019-04-16",
    "stage": "growth",
    "industry": "industry",
    "employees": 86,
    "high_tech_certificate_no": "GR202331004512",
    "high_tech_valid_until": "2026-12-11",
    "tech_sme_registration_no": "202531011503214",
    "tech_sme_registration_year": 2025,
    "specialised_status": "provincial",
}

REGISTER_ENTERPRISE = OpenApiExample(
    "A growth-stage materials company in Pudong",
    request_only=True,
    value={**_NEW_ENTERPRISE, "message": "I run finance at 芯材; please add me."},
)

_FIGURES_2025 = {
    "year": 2025,
    "revenue": "42800000.00",
    "total_assets": "61500000.00",
    "total_costs": "39100000.00",
    "rnd_expense": "2650000.00",
    "staff": 86,
    "st_staff": 29,
    "invention_patents": 3,
    "other_class_i_ip": 0,
    "class_ii_ip": 11,
    "tech_contract_turnover": "1200000.00",
    "vc_received": "0.00",
}

ENTERPRISE_REGISTERED = OpenApiExample(
    "Registered: you are its first manager",
    response_only=True,
    status_codes=[201],
    value={
        "id": 12,
        **{k: v for k, v in _NEW_ENTERPRISE.items()},
        "financials": [],
        "tech_sme_evaluation": None,
        "size_class": None,
        "innovation_credit": None,
    },
)

JOIN_REQUEST = {
    "id": 5,
    "enterprise": 12,
    "enterprise_name": "上海芯材科技有限公司",
    "credit_code": EXAMPLE_ENTERPRISE_CREDIT_CODE,
    "applicant": "li.wei",
    "message": "I run finance at 芯材; please add me.",
    "status": "pending",
    "reason": "",
    "decided_by": None,
    "decided_at": None,
    "created_at": "2026-01-20T02:10:00Z",
}

ASKED_TO_JOIN = OpenApiExample(
    "Already registered: you asked to join",
    response_only=True,
    status_codes=[202],
    value=JOIN_REQUEST,
)

CREDIT_CODE_MISTYPED = OpenApiExample(
    "The last character mistyped",
    response_only=True,
    status_codes=[400],
    value={
        "error": {
            "code": "invalid_credit_code",
            "message": "The unified social credit code is not valid.",
            "fields": {"credit_code": ["check character should be '7', got '0'"]},
        }
    },
)
# The request that gets the answer above: the example enterprise's code with a wrong last character.
MISTYPED_REQUEST = {**_NEW_ENTERPRISE, "credit_code": EXAMPLE_MISTYPED_CREDIT_CODE}

JOIN_APPROVED = OpenApiExample(
    "Approved by a manager",
    response_only=True,
    value={
        **JOIN_REQUEST,
        "status": "approved",
        "decided_by": "zhang.min",
        "decided_at": "2026-01-20T03:40:00Z",
    },
)

JOIN_REFUSED = OpenApiExample(
    "Refused, with the reason the applicant reads",
    response_only=True,
    value={
        **JOIN_REQUEST,
        "status": "refused",
        "reason": "We do not know you; ask your department head to write to us.",
        "decided_by": "zhang.min",
        "decided_at": "2026-01-20T03:40:00Z",
    },
)

ADD_FINANCIALS = OpenApiExample("The 2025 figures", request_only=True, value=_FIGURES_2025)

FINANCIALS_ADDED = OpenApiExample(
    "The year as stored", response_only=True, status_codes=[201, 200], value=_FIGURES_2025
)

CORRECT_FINANCIALS = OpenApiExample(
    "R&D expense corrected after the audit",
    request_only=True,
    value={k: v for k, v in {**_FIGURES_2025, "rnd_expense": "2710000.00"}.items() if k != "year"},
)
