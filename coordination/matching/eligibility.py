"""Hard filters for one product and one tranche, in Python: the check that guards every routing."""

from datetime import date

from lenders.models import Product

from ..models import FinancingRequest, Referral, Tranche


def ineligibility_reasons(
    product: Product, tranche: Tranche, request: FinancingRequest, *, today: date
) -> list[str]:
    reasons = []
    enterprise = request.enterprise
    if not product.is_active or not product.institution.is_active:
        reasons.append("product is not active")
    if product.active_from > today or (product.active_until and product.active_until < today):
        reasons.append("outside the product's active window")
    if product.instrument != tranche.instrument:
        reasons.append(f"instrument {product.instrument} does not match the tranche's {tranche.instrument}")
    if not product.min_amount <= tranche.amount <= product.max_amount:
        reasons.append("amount outside the product's range")
    if not product.min_term_months <= request.term_months <= product.max_term_months:
        reasons.append("term outside the product's range")
    if not product.serves_stage(enterprise.stage):
        reasons.append(f"product does not serve {enterprise.stage} enterprises")
    if product.requires_tech_sme and not enterprise.tech_sme_registration_no:
        reasons.append("product requires tech-SME registration")
    if product.capacity_left < tranche.amount:
        reasons.append("product has not enough capacity left")
    regions = list(product.regions.all()) or list(product.institution.regions.all())
    if regions and not any(region.covers(enterprise.region) for region in regions):
        reasons.append("enterprise's region is not served")
    fields = {field.pk for field in product.fields.all()}
    if fields and not fields & {field.pk for field in enterprise.fields.all()}:
        reasons.append("enterprise's fields are not eligible")
    if Referral.objects.filter(tranche=tranche, institution_id=product.institution_id).exists():
        reasons.append("this institution already had this tranche")
    return reasons
