"""The applicant's pages (DESIGN.md §9): /sme/ (home), /sme/requests/new/, /sme/requests/<reference>/.

Thin: the selectors read (a request outside the user's enterprises is a 404), the services write (each form
one transaction), and the workflow engine's `available_actions` decides which buttons exist. A refused
action comes back as a message on the page (the services' DomainError), never as a 500.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lenders.choices import Instrument
from projects.sentences import one_after_the_other

from .. import selectors
from ..choices import RequestStatus
from ..errors import DomainError, NotFound
from ..forms.sme import (
    TRANCHE_PREFIX,
    ActionForm,
    AnswerForm,
    NoteForm,
    ReasonForm,
    RequestForm,
    SubmitForm,
    TrancheFormSet,
)
from ..models import FinancingRequest
from ..services import filing
from ..services import financing_requests as request_services
from ..services import referrals as referral_services
from ..services.financing_requests import TrancheInput
from ..workflow import engine
from . import sme_display as display

PAGE_SIZE = 20
# Contract URLs of DESIGN.md §9 built by other areas.
ENTERPRISE_NEW_URL = "/sme/enterprises/new/"
DISCLOSURES_URL = "/sme/disclosures/"
TRANCHE_FIELD = re.compile(r"^tranches\[(\d+)\]\.(\w+)$")


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _documents(form) -> list[filing.DocumentInput]:
    return [filing.DocumentInput(name, kind, upload) for name, kind, upload in form.documents()]


def _scoped_request(request: HttpRequest, reference: str) -> FinancingRequest:
    return get_object_or_404(selectors.applicant_requests(request.user), reference=reference)


# --- /sme/ --------------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.applicant_requests(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    ids = [row.pk for row in rows]
    # The home names no institution ("the institution reviews…"); the request's page does.
    dues = display.next_due_by_request(selectors.pending_deadlines(ids))
    context = {
        "enterprises": list(selectors.applicant_enterprises(user)),
        "page": page,
        "rows": [
            {
                "request": row,
                "status": display.REQUEST_STATUS_WORDS.get(row.status, row.get_status_display()),
                "due": dues.get(row.pk),
            }
            for row in rows
        ],
        "packages": list(selectors.proposed_packages_for(user)),
        "unread": selectors.unread_notification_count(user),
        "inbox_url": _url_or_none("inbox:home") or "/inbox/",
        "enterprise_new_url": ENTERPRISE_NEW_URL,
        "disclosures_url": DISCLOSURES_URL,
    }
    return render(request, "sme/home.html", context)


# --- /sme/requests/new/ -------------------------------------------------------------------------------


def _put_errors(error: DomainError, form: RequestForm, tranches, filled) -> list[str]:
    """The service's errors on the fields they name; returns those about the tranches as a whole."""
    tranche_errors: list[str] = []
    for name, problems in (error.fields or {"": [str(error.message)]}).items():
        texts = [str(problem) for problem in problems]
        match = TRANCHE_FIELD.match(name)
        if name in form.fields:
            form.add_error(name, texts)
        elif name == "tranches":
            tranche_errors.extend(texts)
        elif match and int(match.group(1)) < len(filled) and match.group(2) in ("instrument", "amount"):
            filled[int(match.group(1))].add_error(match.group(2), texts)
        else:
            form.add_error(None, [_field_problems(name, [text]) if name else text for text in texts])
    return tranche_errors


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    enterprises = list(selectors.applicant_enterprises(user))
    major_tasks = list(selectors.applicant_major_tasks(user))
    tranche_errors: list[str] = []
    files_dropped = False
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES, enterprises=enterprises, major_tasks=major_tasks)
        tranches = TrancheFormSet(request.POST, prefix=TRANCHE_PREFIX)
        submit = request.POST.get("intent") == "submit"
        form_ok, tranches_ok = form.is_valid(), tranches.is_valid()  # both, so every error shows at once
        if form_ok and tranches_ok:
            filled = tranches.filled_forms()
            data = form.cleaned_data
            try:
                created = filing.file_request(
                    user=user,
                    enterprise_id=data["enterprise"],
                    purpose=data["purpose"],
                    amount=data["amount"],
                    term_months=data["term_months"],
                    needed_by=data["needed_by"],
                    major_task_id=data["major_task"],
                    tranches=[
                        TrancheInput(f.cleaned_data["instrument"], f.cleaned_data["amount"]) for f in filled
                    ],
                    documents=_documents(form),
                    submit=submit,
                )
            except NotFound:
                raise Http404 from None
            except DomainError as error:
                tranche_errors = _put_errors(error, form, tranches, filled)
            else:
                if submit:
                    _said_after_submit(request, created)
                else:
                    messages.success(
                        request,
                        _("Saved as a draft: %(reference)s. Nothing is shared until you submit it.")
                        % {"reference": created.reference},
                    )
                return redirect("sme:request", reference=created.reference)
        files_dropped = bool(request.FILES)
    else:
        form = RequestForm(enterprises=enterprises, major_tasks=major_tasks)
        tranches = TrancheFormSet(prefix=TRANCHE_PREFIX)
    context = {
        "form": form,
        "tranches": tranches,
        "tranche_errors": tranche_errors,
        "files_dropped": files_dropped,
        "has_enterprise": bool(enterprises),
        "enterprise_new_url": ENTERPRISE_NEW_URL,
        "instrument_labels": Instrument.choices,
    }
    return render(request, "sme/request_new.html", context)


def _said_after_submit(request: HttpRequest, submitted: FinancingRequest) -> None:
    if submitted.status == RequestStatus.INFO_REQUESTED:
        messages.warning(
            request,
            _("%(reference)s was submitted, but screening found something missing: see what is asked below.")
            % {"reference": submitted.reference},
        )
    else:
        messages.success(
            request,
            _("%(reference)s was submitted and passed screening; the coordinator routes it next.")
            % {"reference": submitted.reference},
        )


# --- /sme/requests/<reference>/ -------------------------------------------------------------------------


@login_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = request.user
    financing_request = _scoped_request(request, reference)
    parts = selectors.applicant_request_parts(financing_request)
    events = selectors.applicant_events(financing_request)
    names = display.institution_names(parts.referrals, parts.offers)
    upcoming, dues = display.request_dues(selectors.pending_deadlines([financing_request.pk]), names)
    viewer = selectors.applicant_viewer(user, financing_request)
    actions = {
        ("financing_request", financing_request.pk): engine.available_actions(financing_request, user, viewer)
    }
    actions.update({("referral", r.pk): engine.available_actions(r, user, viewer) for r in parts.referrals})
    actions.update({("offer", o.pk): engine.available_actions(o, user, viewer) for o in parts.offers})
    own = actions[("financing_request", financing_request.pk)]
    blocks = display.tranche_blocks(parts.tranches, parts.referrals, parts.offers, events, actions, dues)
    for block in blocks:
        for referral_row in block.referrals:
            if referral_row.can_answer:
                referral_row.form = NoteForm(prefix=f"referral-{referral_row.referral.pk}")
        for offer_row in block.offers:
            if offer_row.can_accept:
                offer_row.form = ActionForm(prefix=f"offer-{offer_row.offer.pk}")
    context = {
        "financing_request": financing_request,
        "status_words": display.REQUEST_STATUS_WORDS.get(financing_request.status, ""),
        "timeline": display.timeline(events, names),
        "upcoming": upcoming,
        "request_due": dues.get(("financing_request", financing_request.pk)),
        "blocks": blocks,
        "documents": parts.documents,
        "has_offers": bool(parts.offers),
        "has_referrals": bool(parts.referrals),
        "submit_form": SubmitForm(prefix="submit") if "submit" in own else None,
        "answer_form": AnswerForm(prefix="answer") if "resubmit" in own else None,
        "withdraw_form": ReasonForm(prefix="withdraw") if "withdraw" in own else None,
        "disclosures_url": DISCLOSURES_URL,
    }
    return render(request, "sme/request_detail.html", context)


def _refused(request: HttpRequest, error: DomainError) -> None:
    """A refused action as a message: the service's reason, with the fields it names."""
    if isinstance(error, NotFound):
        raise Http404
    details = [_field_problems(_document_label(name), problems) for name, problems in error.fields.items()]
    text = str(error.message)
    if details:
        text = one_after_the_other(text, _("; ").join(details))
    messages.error(request, text)


def _field_problems(field: object, problems) -> str:
    """A field and what is wrong with it, as the active language writes them."""
    # Translators: a field and what is wrong with it; zh-hans uses the full-width colon.
    return _("%(field)s: %(problems)s") % {
        "field": field,
        # Translators: joins a field's problems, and the fields; zh-hans uses the full-width semicolon.
        "problems": _("; ").join(str(problem) for problem in problems),
    }


def _document_label(name: str) -> str:
    fields = SubmitForm().fields
    return str(fields[name].label) if name in fields else name


def _form_refused(request: HttpRequest, form) -> None:
    problems = [
        _field_problems(form.fields[name].label if name in form.fields else "", errors)
        for name, errors in form.errors.items()
    ]
    joined = _("; ").join(problems)
    messages.error(request, _("The form was not accepted: %(problems)s") % {"problems": joined})


@login_required
@require_POST
def request_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Submit (with documents), add documents, answer (documents and note, then resubmit), withdraw."""
    financing_request = _scoped_request(request, reference)
    back = redirect("sme:request", reference=financing_request.reference)
    forms = {"submit": SubmitForm, "resubmit": AnswerForm, "withdraw": ReasonForm}
    prefixes = {"submit": "submit", "resubmit": "answer", "withdraw": "withdraw"}
    if action not in forms:
        raise Http404
    form = forms[action](request.POST, request.FILES, prefix=prefixes[action])
    if not form.is_valid():
        _form_refused(request, form)
        return back
    user, key = request.user, form.idempotency_key(action)
    try:
        if action == "submit" and request.POST.get("intent") == "documents":
            filing.add_documents(request_id=financing_request.pk, user=user, documents=_documents(form))
            messages.success(request, _("Documents added."))
        elif action == "submit":
            done = filing.submit_with_documents(
                request_id=financing_request.pk, user=user, documents=_documents(form), idempotency_key=key
            )
            _said_after_submit(request, done)
        elif action == "resubmit":
            done = filing.answer_with_documents(
                request_id=financing_request.pk,
                user=user,
                note=form.cleaned_data["note"],
                documents=_documents(form),
                idempotency_key=key,
            )
            _said_after_submit(request, done)
        else:
            request_services.withdraw_request(
                request_id=financing_request.pk,
                user=user,
                reason=form.cleaned_data["reason"],
                idempotency_key=key,
            )
            messages.success(
                request, _("The request is withdrawn; its referrals and open offers are closed.")
            )
    except DomainError as error:
        _refused(request, error)
        if request.FILES:
            messages.info(request, _("Files are not kept when something is refused: choose them again."))
    return back


@login_required
@require_POST
def referral_answer(request: HttpRequest, reference: str, referral_id: int) -> HttpResponse:
    financing_request = _scoped_request(request, reference)
    referral = get_object_or_404(financing_request.referrals, pk=referral_id)
    form = NoteForm(request.POST, prefix=f"referral-{referral.pk}")
    if not form.is_valid():
        _form_refused(request, form)
    else:
        try:
            referral_services.provide_referral_info(
                referral_id=referral.pk,
                user=request.user,
                note=form.cleaned_data["note"],
                idempotency_key=form.idempotency_key("provide_info"),
            )
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Your answer was sent to the institution."))
    return redirect("sme:request", reference=financing_request.reference)


@login_required
@require_POST
def offer_accept(request: HttpRequest, reference: str, offer_id: int) -> HttpResponse:
    financing_request = _scoped_request(request, reference)
    offer = get_object_or_404(financing_request.offers, pk=offer_id)
    form = ActionForm(request.POST, prefix=f"offer-{offer.pk}")
    if not form.is_valid():
        _form_refused(request, form)
    else:
        try:
            referral_services.accept_offer(
                offer_id=offer.pk, user=request.user, idempotency_key=form.idempotency_key("accept")
            )
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Offer accepted. The tranche's other offers are closed."))
    return redirect("sme:request", reference=financing_request.reference)


@login_required
def document_download(request: HttpRequest, reference: str, document_id: int) -> FileResponse:
    financing_request = _scoped_request(request, reference)
    document = get_object_or_404(financing_request.documents, pk=document_id)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
