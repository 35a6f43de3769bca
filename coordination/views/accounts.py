"""Accounts at /accounts/: Django's login, logout and password-reset views with our templates and forms,
and the self-service sign-up of a new applicant (coordination.services.accounts)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from coordination.errors import ValidationFailed
from coordination.services import accounts

from .account_forms import LoginForm, PasswordResetForm, SignUpForm
from .forms import add_domain_error
from .links import first_url

# Where a newly confirmed applicant goes after signing in: registering its enterprise.
AFTER_CONFIRMATION = ("enterprises:new",)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("home")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are signed out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    # The body is plain text; Django names the default template .html.
    email_template_name = "registration/password_reset_email.txt"


def _confirmation_link(request: HttpRequest):
    def link(token: str) -> str:
        return request.build_absolute_uri(reverse("signup_confirm", args=[token]))

    return link


@never_cache
@csrf_protect
@sensitive_post_parameters("password1", "password2")
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("account_home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.sign_up_applicant(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                language=get_language(),
                confirmation_link=_confirmation_link(request),
            )
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            return redirect("signup_done")
    return render(request, "registration/signup_form.html", {"form": form})


def sign_up_done(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_done.html")


@never_cache
@csrf_protect
def confirm_sign_up(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: a mail scanner that follows links does not confirm for the user."""
    if request.method == "POST":
        try:
            accounts.confirm_sign_up(token=token, confirmation_link=_confirmation_link(request))
        except ValidationFailed as error:
            return render(request, "registration/signup_confirm.html", {"error": error.message}, status=400)
        messages.success(request, _("Your e-mail address is confirmed. Sign in to register your enterprise."))
        return redirect(f"{reverse('login')}?{urlencode({'next': first_url(*AFTER_CONFIRMATION)})}")
    return render(request, "registration/signup_confirm.html", {"error": None})
