from dataclasses import dataclass, field
from decimal import Decimal

from lenders.models import Product


@dataclass
class Candidate:
    """A product proposed for a tranche, with its score and the reasons a coordinator can read.

    `explanation` is what the Referral stores: one dict per score factor, {"factor", "label",
    "value", "weight", "points", "text"}. `rank`, `selected` and `note` describe the routing policy's
    decision in a proposal and are not stored.
    """

    product: Product
    score: Decimal = Decimal("0")
    explanation: list[dict] = field(default_factory=list)
    rank: int = 0
    selected: bool = False
    note: str = ""

    @property
    def institution(self):
        return self.product.institution
