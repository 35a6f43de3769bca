"""The programme ledger's movements, for the use cases (funding commits, a coordinator's release).

They live in the workflow layer (`workflow/ledger.py`) because the loss-claim transitions' effects write
the claim and the payment in the transition's own transaction; services call them from here.
"""

from ..workflow.ledger import (
    Balance,
    claim,
    claim_loss,
    commit,
    commit_follow_up_support,
    commit_policy_support,
    pay,
    release,
)

__all__ = [
    "Balance",
    "claim",
    "claim_loss",
    "commit",
    "commit_follow_up_support",
    "commit_policy_support",
    "pay",
    "release",
]
