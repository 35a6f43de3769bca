"""What a notification says, in the reader's language (the catalogues in locale/ hold the words).

A notification is written when it is delivered, in the language of the user it goes to
(`NotificationSetting.language`): the title names what happened, the body the change in words — the
status labels of the choices, never their codes — with the note and the deadline in Asia/Shanghai time.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..choices import ClaimStatus, OfferStatus, ReferralStatus, RequestStatus, Stage, label_of

TITLES: dict[str, Promise] = {
    "financing_request.submit": _("Request %(reference)s submitted"),
    "financing_request.screen_pass": _("Request %(reference)s passed screening and awaits triage"),
    "financing_request.screen_fail": _("Request %(reference)s: information missing"),
    "financing_request.request_info": _("Request %(reference)s: more information requested"),
    "financing_request.reject": _("Request %(reference)s rejected"),
    "financing_request.route": _("Request %(reference)s sent to financial institutions"),
    "financing_request.return_to_triage": _("Request %(reference)s needs re-routing"),
    "financing_request.all_tranches_accepted": _("Request %(reference)s: offers accepted, awaiting approval"),
    "financing_request.accept_partial_package": _("Request %(reference)s: partial package accepted"),
    "financing_request.propose_approval": _("Request %(reference)s: approval awaits your confirmation"),
    "financing_request.approve": _("Request %(reference)s approved"),
    "financing_request.confirm_approval": _("Request %(reference)s approved"),
    "financing_request.record_funding": _("Request %(reference)s: funding recorded"),
    "financing_request.close": _("Request %(reference)s closed"),
    "financing_request.withdraw": _("Request %(reference)s withdrawn"),
    "financing_request.expire": _("Request %(reference)s expired"),
    "referral.route": _("New referral: %(reference)s"),
    "referral.request_info": _("%(reference)s: an institution asks for information"),
    "referral.provide_info": _("%(reference)s: the applicant answered"),
    "referral.withdraw": _("%(reference)s: referral withdrawn"),
    "referral.supersede": _("%(reference)s: another offer was accepted"),
    "offer.make": _("%(reference)s: you received an offer"),
    "offer.withdraw": _("%(reference)s: an offer was withdrawn"),
    "offer.expire": _("%(reference)s: an offer expired"),
    "offer.accept": _("%(reference)s: your offer was accepted"),
    "offer.supersede": _("%(reference)s: your offer was not taken"),
    "loss_claim.report_default": _("%(reference)s: a default was reported, a loss claim awaits approval"),
    "loss_claim.propose_approval": _("%(reference)s: a loss claim's approval awaits your confirmation"),
    "loss_claim.approve": _("%(reference)s: your loss claim was approved"),
    "loss_claim.confirm_approval": _("%(reference)s: your loss claim was approved"),
    "loss_claim.reject": _("%(reference)s: your loss claim was rejected"),
    "loss_claim.pay": _("%(reference)s: your loss claim was paid"),
    # Joining an enterprise (DESIGN §1): `reference` is the enterprise's name.
    "enterprise.join_requested": _("%(reference)s: a user asks to join"),
    "enterprise.join_approved": _("%(reference)s: your request to join was approved"),
    "enterprise.join_refused": _("%(reference)s: your request to join was refused"),
    # Recommendation lists (DESIGN §14): `reference` is the list's title and version.
    "recommendation.published": _("%(reference)s: a recommendation list was published to you"),
    "recommendation.remind": _("%(reference)s: follow-ups due soon"),
    "recommendation.overdue": _("%(reference)s: follow-ups overdue"),
    "deadline.remind": _("%(reference)s: due soon"),
    "deadline.escalate": _("%(reference)s: overdue"),
}
FALLBACK = _("%(reference)s: an update")

# The status choices of each object the workflow moves (payload["object_type"]).
STATUSES = {
    "financing_request": RequestStatus,
    "referral": ReferralStatus,
    "offer": OfferStatus,
    "loss_claim": ClaimStatus,
}


def reader_language(language: str | None) -> str:
    """One of LANGUAGES; anything else reads in the default language."""
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def status_label(object_type: str | None, status: str | None) -> str:
    """The status in words ("Information requested"), in the active language; the code when unknown."""
    return label_of(STATUSES.get(object_type or "", RequestStatus), status)


def local_time(value: str) -> str:
    """An ISO time from the payload as Asia/Shanghai wall time ("2025-03-04 17:30")."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_naive(moment):
        return moment.strftime("%Y-%m-%d %H:%M")
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def title_for(topic: str, language: str | None, payload: dict) -> str:
    with translation.override(reader_language(language)):
        return str(TITLES.get(topic, FALLBACK)) % {"reference": payload.get("reference", "")}


def body_for(topic: str, language: str | None, payload: dict) -> str:
    with translation.override(reader_language(language)):
        lines = []
        if payload.get("from_status") or payload.get("to_status"):
            object_type = payload.get("object_type")
            lines.append(
                gettext("Status: %(from)s → %(to)s")
                % {
                    "from": status_label(object_type, payload.get("from_status")),
                    "to": status_label(object_type, payload.get("to_status")),
                }
            )
        if payload.get("stage"):
            lines.append(gettext("Stage: %(stage)s") % {"stage": label_of(Stage, payload["stage"])})
        if payload.get("applicant"):
            lines.append(gettext("Applicant: %(applicant)s") % {"applicant": payload["applicant"]})
        if payload.get("message"):
            lines.append(gettext("Message: %(message)s") % {"message": payload["message"]})
        if payload.get("reason"):
            lines.append(gettext("Note: %(reason)s") % {"reason": payload["reason"]})
        if payload.get("due_at"):
            lines.append(gettext("Due: %(due)s (Beijing time)") % {"due": local_time(payload["due_at"])})
        return "\n".join(lines)
