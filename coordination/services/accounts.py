"""Accounts for the pages: self-service sign-up of a new applicant with e-mail confirmation, and the language
each user chose (DESIGN.md §13), kept with their notification settings and used for what is written to them.

A new account is inactive until the link mailed to its address is followed: the link carries a signed,
timestamped token (django.core.signing) naming the account and the address it was sent to, so it proves
that the address is the user's and stops working after SIGNUP_CONFIRMATION_MAX_AGE seconds.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..errors import ValidationFailed
from ..models import NotificationSetting
from ..selectors import account_exists_with_email, language_for

SIGNUP_SALT = "coordination.accounts.signup"


class ConfirmationInvalid(ValidationFailed):
    code = "confirmation_invalid"


def set_language_preference(*, user: User, language: str) -> None:
    """Remember the user's language; e-mails and notifications are written in it from now on."""
    if language not in dict(settings.LANGUAGES):
        unknown = _("This language is not offered.")
        raise ValidationFailed(unknown, fields={"language": [str(unknown)]})
    setting, created = NotificationSetting.objects.get_or_create(user=user, defaults={"language": language})
    if not created and setting.language != language:
        setting.language = language
        setting.save(update_fields=["language"])
    # The user object may carry the old setting from an earlier read.
    user.notification_setting = setting


def sign_up_applicant(
    *, username: str, email: str, password: str, language: str, confirmation_link: Callable[[str], str]
) -> User:
    """An inactive account for a new applicant, in `language`; mails it a confirmation link once committed.

    `confirmation_link(token)` gives the absolute URL the user follows to confirm. The account becomes an
    applicant when it registers an enterprise; until then it has no role.
    """
    email = email.strip()
    if account_exists_with_email(email):
        taken = _("An account with this e-mail address exists already; sign in or reset its password.")
        raise ValidationFailed(taken, fields={"email": [str(taken)]})
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=username, email=email, password=password, is_active=False
        )
        set_language_preference(user=user, language=language)
        link = confirmation_link(confirmation_token(user))
        transaction.on_commit(lambda: send_confirmation(user=user, link=link))
    return user


def confirmation_token(user: User) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=SIGNUP_SALT, compress=True)


def send_confirmation(*, user: User, link: str) -> None:
    context = {"user": user, "link": link, "hours": settings.SIGNUP_CONFIRMATION_MAX_AGE // 3600}
    with translation.override(language_for(user)):
        subject = render_to_string("registration/signup_confirmation_subject.txt", context)
        body = render_to_string("registration/signup_confirmation_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def _token_data(token: str, *, max_age: int | None) -> dict:
    return signing.loads(token, salt=SIGNUP_SALT, max_age=max_age)


def _account_named(data: dict) -> User:
    user_id, email = data.get("user"), data.get("email")
    user = (
        get_user_model().objects.filter(pk=user_id, email=email).first()
        if isinstance(user_id, int) and isinstance(email, str)
        else None
    )
    if user is None:
        raise ConfirmationInvalid(_("This confirmation link is not valid."))
    return user


def account_for_token(token: str) -> User:
    """The account a live confirmation token names, active or not; ConfirmationInvalid if it is not live."""
    try:
        data = _token_data(token, max_age=settings.SIGNUP_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ConfirmationInvalid(_("This confirmation link has expired.")) from error
    except signing.BadSignature as error:
        raise ConfirmationInvalid(_("This confirmation link is not valid.")) from error
    return _account_named(data)


def _unconfirmed(user: User) -> bool:
    return not user.is_active and user.last_login is None


def confirm_sign_up(*, token: str, confirmation_link: Callable[[str], str]) -> User:
    """Activate the account the token names; following the link again changes nothing.

    An expired link of an account still unconfirmed sends a fresh one to the same address (the signature
    proves we sent the first); an account deactivated after use is not brought back by an old mail.
    """
    try:
        _token_data(token, max_age=settings.SIGNUP_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired as error:
        user = _account_named(_token_data(token, max_age=None))
        if not _unconfirmed(user):
            raise ConfirmationInvalid(_("This confirmation link has expired.")) from error
        link = confirmation_link(confirmation_token(user))
        transaction.on_commit(lambda: send_confirmation(user=user, link=link))
        raise ConfirmationInvalid(
            _("This confirmation link has expired; a new one has been sent to your e-mail address."),
            code="confirmation_expired",
        ) from error
    except signing.BadSignature as error:
        raise ConfirmationInvalid(_("This confirmation link is not valid.")) from error
    with transaction.atomic():
        user = account_for_token(token)
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if _unconfirmed(user):
            user.is_active = True
            user.save(update_fields=["is_active"])
        elif not user.is_active:
            raise ConfirmationInvalid(_("This account is closed; ask the service's administrator."))
    return user
