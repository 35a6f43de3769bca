"""The admin's second step: after the password, a user who needs a second factor
(coordination.services.two_factor) gives a TOTP code before any admin page opens. Until then the session
is not a login anywhere else either (the API's session authentication sees an anonymous user)."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device

from coordination.services.two_factor import second_factor_required, verified_device


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware, which tells whether this session gave a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        exempt = {reverse("admin:login"), reverse("admin:logout"), reverse("admin-verify")}
        if (
            request.path not in exempt
            and user.is_authenticated
            and not user.is_verified()
            and second_factor_required(user)
        ):
            if request.path.startswith(reverse("admin:index")):
                return redirect(f"{reverse('admin-verify')}?{urlencode({'next': request.get_full_path()})}")
            request.user = AnonymousUser()
        return self.get_response(request)


@never_cache
@sensitive_post_parameters("otp_token")
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect(f"{reverse('admin:login')}?next={reverse('admin-verify')}")
    target = request.POST.get("next") or request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("admin:index")
    if user.is_verified() or not second_factor_required(user):
        return redirect(target)
    context = {
        "title": _("Two-factor verification"),
        "next": target,
        "has_device": user_has_device(user, confirmed=True),
        "error": "",
    }
    if not context["has_device"]:
        # Required but never enrolled: nothing to verify against; a superuser registers the device.
        return render(request, "admin/verify_second_factor.html", context, status=403)
    if request.method == "POST":
        device = verified_device(user, request.POST.get("otp_token", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(target)
        context["error"] = _("The code is wrong or expired, or too many tries were made; wait and try again.")
    status = 400 if context["error"] else 200
    return render(request, "admin/verify_second_factor.html", context, status=status)
