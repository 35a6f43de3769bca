"""/inbox/preferences/: which topics reach the user on which channel, the daily digest and the language."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# What each topic is about, as the preferences page names it.
TOPIC_LABELS = {
    "financing_request.submit": _("A request is submitted"),
    "financing_request.screen_pass": _("A request passes screening"),
    "financing_request.screen_fail": _("A request lacks information at screening"),
    "financing_request.request_info": _("The coordinator asks for more information"),
    "financing_request.reject": _("A request is rejected"),
    "financing_request.route": _("A request is sent to financial institutions"),
    "financing_request.return_to_triage": _("A request needs re-routing"),
    "financing_request.all_tranches_accepted": _("Offers are accepted for every tranche"),
    "financing_request.accept_partial_package": _("A partial package is accepted"),
    "financing_request.propose_approval": _("An approval awaits a second coordinator"),
    "financing_request.approve": _("A request is approved"),
    "financing_request.confirm_approval": _("An approval is confirmed"),
    "financing_request.record_funding": _("Funding is recorded"),
    "financing_request.close": _("A request is closed"),
    "financing_request.withdraw": _("A request is withdrawn"),
    "financing_request.expire": _("A request expires"),
    "referral.route": _("A new referral arrives"),
    "referral.request_info": _("An institution asks for information"),
    "referral.provide_info": _("The applicant answers an information request"),
    "referral.withdraw": _("A referral is withdrawn"),
    "referral.supersede": _("Another institution's offer is accepted"),
    "offer.make": _("An offer is made"),
    "offer.withdraw": _("An offer is withdrawn"),
    "offer.expire": _("An offer expires"),
    "offer.accept": _("An offer is accepted"),
    "offer.supersede": _("An offer is not taken"),
    "deadline.remind": _("A deadline is near"),
    "deadline.escalate": _("A deadline is missed"),
}
CHANNEL_LABELS = {"inbox": _("In the inbox"), "email": _("By e-mail")}
ALL_EMAIL = "email:*"
CHECKBOX = {"class": "form-check-input"}


def field_name(channel: str, topic: str) -> str:
    return f"{channel}-{topic.replace('.', '-')}"


class PreferencesForm(forms.Form):
    """One "receive" box per channel and topic, checked unless muted; the digest, e-mail at all, language."""

    language = forms.ChoiceField(
        label=_("Language of notifications and e-mails"),
        choices=settings.LANGUAGES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    email_enabled = forms.BooleanField(
        label=_("Send me e-mails"), required=False, widget=forms.CheckboxInput(attrs=CHECKBOX)
    )
    email_digest = forms.BooleanField(
        label=_("One e-mail a day with what I have not read (daily digest) instead of one e-mail each"),
        required=False,
        widget=forms.CheckboxInput(attrs=CHECKBOX),
    )

    def __init__(self, *args, topics: list[str], channels: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.topics, self.channels = topics, channels
        for topic in topics:
            for channel in channels:
                self.fields[field_name(channel, topic)] = forms.BooleanField(
                    label=f"{CHANNEL_LABELS[channel]}: {TOPIC_LABELS.get(topic, topic)}",
                    required=False,
                    widget=forms.CheckboxInput(attrs=CHECKBOX),
                )

    @classmethod
    def initial_for(cls, *, language: str, email_digest: bool, muted: list[str], topics, channels) -> dict:
        initial = {
            "language": language,
            "email_digest": email_digest,
            "email_enabled": ALL_EMAIL not in muted,
        }
        for topic in topics:
            for channel in channels:
                initial[field_name(channel, topic)] = f"{channel}:{topic}" not in muted
        return initial

    def rows(self) -> list[tuple[str, list]]:
        """(topic label, [bound field per channel]) for the template's table."""
        return [
            (
                str(TOPIC_LABELS.get(topic, topic)),
                [self[field_name(channel, topic)] for channel in self.channels],
            )
            for topic in self.topics
        ]

    def channel_labels(self) -> list[str]:
        return [str(CHANNEL_LABELS[channel]) for channel in self.channels]

    def muted_and_offered(self) -> tuple[list[str], list[str]]:
        """The unchecked pairs (muted) among the pairs this form showed (offered)."""
        offered = [ALL_EMAIL] + [f"{c}:{t}" for t in self.topics for c in self.channels]
        muted = [] if self.cleaned_data["email_enabled"] else [ALL_EMAIL]
        muted += [
            f"{c}:{t}" for t in self.topics for c in self.channels if not self.cleaned_data[field_name(c, t)]
        ]
        return muted, offered
