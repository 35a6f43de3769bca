"""Examples shown in the OpenAPI schema: a 3 000 000 yuan request in two tranches, as clients send and see it.

Amounts are yuan as decimal strings, rates are annual fractions (0.0345 = 3.45%), credit codes pass the
GB 32100 checksum (docs.EXAMPLE_CREDIT_CODE, checked by a test)."""

from drf_spectacular.utils import OpenApiExample

from .docs import EXAMPLE_CREDIT_CODE

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
