"""Recommendation lists in the institution's workbench (issue 18, DESIGN §14): the lists published to the
user's institution, each entry as a teaser until the institution opens it (the §1 rule, as the API applies
it), then the firm's profile and the institution's own follow-up. Anyone else, coordinators included: 404.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ..choices import ListStatus
from ..errors import DomainError, NotFound, ValidationFailed
from ..forms.institution import FollowUpForm
from ..models import RecommendationEntry, RecommendationFollowUp, RecommendationList
from ..selectors import Viewer
from ..selectors import outreach as reads
from ..services.outreach import follow_ups as follow_up_services
from .institution import TeaserLabels
from .institution_referral import attach_errors

FINAL = frozenset(reads.FINAL_FOLLOW_UPS)


def _member(request: HttpRequest) -> list[int]:
    ids = reads.recipient_institution_ids(request.user)
    if not ids:
        raise Http404
    return ids


@dataclass
class EntryRow(TeaserLabels):
    entry: RecommendationEntry
    teaser: reads.EntryTeaser
    follow_up: RecommendationFollowUp | None
    profile: reads.EntryProfile | None


def _row(
    viewer: Viewer,
    names: reads.ReasonNames,
    entry: RecommendationEntry,
    follow_up: RecommendationFollowUp | None,
) -> EntryRow:
    disclosed = not reads.sees_entry_teaser_only(viewer, entry, follow_up)
    return EntryRow(
        entry, reads.entry_teaser(entry, names), follow_up, reads.entry_profile(entry) if disclosed else None
    )


@login_required
def lists(request: HttpRequest) -> HttpResponse:
    _member(request)
    rows = (
        reads.lists_visible_to(request.user)
        .annotate(entry_count=Count("entries", filter=Q(entries__withdrawn_at__isnull=True)))
        .order_by("-published_at", "-id")
    )
    return render(request, "institution/lists.html", {"lists": rows})


def _list(request: HttpRequest, pk: int) -> RecommendationList:
    return get_object_or_404(reads.lists_visible_to(request.user), pk=pk)


@login_required
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution_ids = _member(request)
    recommendation_list = _list(request, pk)
    entries = list(reads.entries_visible_to(request.user, recommendation_list))
    own = {
        f.entry_id: f
        for f in RecommendationFollowUp.objects.filter(entry__in=entries, institution_id__in=institution_ids)
    }
    viewer, names = Viewer.of(request.user), reads.reason_names(entries)
    rows = [_row(viewer, names, entry, own.get(entry.pk)) for entry in entries]
    return render(
        request, "institution/list_detail.html", {"recommendation_list": recommendation_list, "rows": rows}
    )


def _entry(request: HttpRequest, pk: int, entry_id: int) -> RecommendationEntry:
    return get_object_or_404(reads.entries_visible_to(request.user, _list(request, pk)), pk=entry_id)


def _entry_page(
    request: HttpRequest, entry: RecommendationEntry, form: FollowUpForm | None = None, status: int = 200
) -> HttpResponse:
    follow_up = reads.own_follow_up(request.user, entry)
    form = form or FollowUpForm()
    form.mark_errors()
    return render(
        request,
        "institution/list_entry.html",
        {
            "recommendation_list": entry.recommendation_list,
            "row": _row(Viewer.of(request.user), reads.reason_names([entry]), entry, follow_up),
            "can_open": follow_up is None and entry.recommendation_list.status == ListStatus.PUBLISHED,
            "can_follow_up": follow_up is not None and follow_up.status not in FINAL,
            # What the financing put in the re-lending ledger (DESIGN §10), as for a funded referral.
            "ledger": list(follow_up.policy_ledger.select_related("programme")) if follow_up else [],
            "form": form,
        },
        status=status,
    )


@login_required
def entry_detail(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    _member(request)
    return _entry_page(request, _entry(request, pk, entry_id))


@login_required
@require_POST
def open_entry(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    _member(request)
    entry = _entry(request, pk, entry_id)
    try:
        follow_up_services.open_entry(entry_id=entry.pk, user=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Entry opened: the firm sees in its disclosure log that you did."))
    return redirect("institution:list-entry", pk=pk, entry_id=entry.pk)


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    _member(request)
    entry = _entry(request, pk, entry_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return _entry_page(request, entry, form, status=400)
    try:
        follow_up_services.record_follow_up(
            entry_id=entry.pk, user=request.user, **form.follow_up_arguments()
        )
    except NotFound:
        raise Http404 from None
    except ValidationFailed as error:
        attach_errors(form, error)
        return _entry_page(request, entry, form, status=400)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Follow-up recorded."))
    return redirect("institution:list-entry", pk=pk, entry_id=entry.pk)
