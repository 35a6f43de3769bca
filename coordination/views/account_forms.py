"""Forms of the account pages: input checks only; what an account is and when it is active lives in
coordination.services.accounts."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from coordination import selectors

from .forms import BootstrapFormMixin


class LoginForm(BootstrapFormMixin, auth_forms.AuthenticationForm):
    """Django's login form; an account whose e-mail is not confirmed yet is told so, not "wrong password"
    (only to whoever knows the password)."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "unconfirmed": _(
            "This account's e-mail address is not confirmed yet: follow the link in the e-mail we sent."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            if username and password and not getattr(self.request, "axes_locked_out", False):
                account = get_user_model().objects.filter(username=username, is_active=False).first()
                if account is not None and account.last_login is None and account.check_password(password):
                    raise forms.ValidationError(
                        self.error_messages["unconfirmed"], code="unconfirmed"
                    ) from None
            raise


class SignUpForm(BootstrapFormMixin, auth_forms.UserCreationForm):
    """A new applicant: username, e-mail, password twice (Django's password rules)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send a link to this address; the account works once you follow it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(auth_forms.UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class PasswordResetForm(BootstrapFormMixin, auth_forms.PasswordResetForm):
    """The reset e-mail is written in the account's language, not in the language of the page that asked."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs) -> None:
        with translation.override(selectors.language_for(context["user"])):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class SetPasswordForm(BootstrapFormMixin, auth_forms.SetPasswordForm):
    pass
