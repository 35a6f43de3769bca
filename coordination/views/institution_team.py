"""/institution/team/ (DESIGN §1's one rule): the managers of an institution add members (an existing account,
by username or e-mail address), remove them, and make them managers or take the role back. Only the
institution's managers reach the page; anyone else, its other members included, gets a 404. The rules and the
audit are coordination/services/institutions.py's.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lenders.models import Institution

from .. import selectors
from ..errors import DomainError, NotFound, ValidationFailed
from ..forms.catalogue import AddMemberForm
from ..services import institutions as services
from .forms import add_domain_error


def _managed(request: HttpRequest) -> Institution:
    institution = selectors.managed_institution(request.user)
    if institution is None:
        raise Http404
    return institution


def _page(request: HttpRequest, institution: Institution, form: AddMemberForm | None = None, status=200):
    return render(
        request,
        "institution/team.html",
        {
            "institution": institution,
            "team": selectors.institution_team(institution),
            "form": form or AddMemberForm(),
        },
        status=status,
    )


@login_required
def team(request: HttpRequest) -> HttpResponse:
    return _page(request, _managed(request))


@login_required
@require_POST
def add_member(request: HttpRequest) -> HttpResponse:
    institution = _managed(request)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        try:
            member = services.add_member(
                user=request.user, institution_id=institution.pk, who=form.cleaned_data["who"]
            )
        except NotFound:
            raise Http404 from None
        except ValidationFailed as error:
            add_domain_error(form, error)
        except DomainError as error:
            form.add_error("who", str(error.message))
        else:
            messages.success(request, _("%(name)s is now a member.") % {"name": member.get_username()})
            return redirect("institution:team")
    return _page(request, institution, form, status=400)


@login_required
@require_POST
def remove_member(request: HttpRequest, member_id: int) -> HttpResponse:
    institution = _managed(request)
    try:
        member = services.remove_member(user=request.user, institution_id=institution.pk, member_id=member_id)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(name)s is no longer a member.") % {"name": member.get_username()})
    return redirect("institution:team")


@login_required
@require_POST
def set_manager(request: HttpRequest, member_id: int) -> HttpResponse:
    institution = _managed(request)
    manager = request.POST.get("manager") == "1"
    try:
        member = services.set_manager(
            user=request.user, institution_id=institution.pk, member_id=member_id, manager=manager
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        done = _("%(name)s is now a manager.") if manager else _("%(name)s is no longer a manager.")
        messages.success(request, done % {"name": member.get_username()})
    return redirect("institution:team")
