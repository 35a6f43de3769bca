from dataclasses import dataclass, field
from decimal import Decimal

from lenders.models import Product


@dataclass
class Candidate:
    """A product proposed for a tranche, with its score and the reasons a coordinator can read."""

    product: Product
    score: Decimal = Decimal("0")
    explanation: list[dict] = field(default_factory=list)
