"""Screening on submit: what is missing, and the enterprise's size class and tech-SME evaluation."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from config.prepared import Prepared, first
from projects.domain.credit_code import check_credit_code
from projects.domain.size_class import SIZE_LABELS
from projects.evaluation import evaluate_year, size_class_for_year
from projects.models import EnterpriseFinancials

from ..choices import DocumentKind, label_of, lower_first
from ..models import FinancingRequest, RequestDocument, Tranche

# Financials older than this many fiscal years do not describe the enterprise any more.
FINANCIALS_MAX_AGE_YEARS = 2

# Every submit and resubmit reads these three: compiled once (config/prepared.py).
_TRANCHES = Prepared(lambda request_id: Tranche.objects.filter(request_id=request_id))
_DOCUMENT_KINDS = Prepared(
    # Unordered: the model's ordering would join for nothing.
    lambda request_id: (
        RequestDocument.objects.filter(request_id=request_id).order_by().values_list("kind", flat=True)
    )
)
_RECENT_FINANCIALS = Prepared(
    lambda enterprise_id, earliest_year: EnterpriseFinancials.objects.filter(
        enterprise_id=enterprise_id, year__gte=earliest_year
    ).order_by("-year")[:1]
)


def screen(request: FinancingRequest) -> dict:
    missing: list[str] = []
    enterprise = request.enterprise
    if not request.purpose.strip():
        missing.append(gettext("purpose: describe what the financing is for"))
    credit = check_credit_code(enterprise.credit_code)
    if not credit.valid:
        missing.append(gettext("enterprise credit code: %(reason)s") % {"reason": credit.reason})
    tranches = _TRANCHES.rows(request.pk)
    if not tranches:
        missing.append(gettext("tranches: at least one instrument and amount"))
    elif sum(t.amount for t in tranches) != request.amount:
        missing.append(gettext("tranches: must add up to the requested amount"))
    task = request.major_task
    if task is not None and not (
        task.lead_enterprise_id == enterprise.pk or task.participants.filter(pk=enterprise.pk).exists()
    ):
        missing.append(gettext("major task: the enterprise neither leads nor takes part in it"))
    present = set(_DOCUMENT_KINDS.rows(request.pk))
    missing_documents = [kind for kind in settings.SCREENING_REQUIRED_DOCUMENTS if kind not in present]
    missing.extend(
        gettext("document: %(kind)s") % {"kind": lower_first(label_of(DocumentKind, kind))}
        for kind in missing_documents
    )
    this_year = timezone.localdate().year
    financials = first(_RECENT_FINANCIALS.rows(enterprise.pk, this_year - FINANCIALS_MAX_AGE_YEARS))
    if financials is not None:
        financials.enterprise = enterprise  # as `enterprise.financials` leaves it: the evaluation reads it
    result: dict = {"checked_at": timezone.now().isoformat()}
    if financials is None:
        missing.append(
            gettext("financials: figures for %(last)s (or %(earliest)s)")
            % {"last": this_year - 1, "earliest": this_year - FINANCIALS_MAX_AGE_YEARS}
        )
    else:
        size = size_class_for_year(financials)
        result.update(
            financials_year=financials.year,
            size_class=size.value,
            size_class_label=str(SIZE_LABELS[size]),
            tech_sme=evaluate_year(financials).as_dict(),
        )
    result["missing"] = missing
    result["missing_documents"] = missing_documents
    return result
