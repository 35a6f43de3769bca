"""/accounts/: Django's URL names for the auth views (login, logout, password_reset…), so that Django's own
defaults (LOGIN_URL, the reset views' success URLs) find them; plus the sign-up and the landing per role."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import accounts, home
from .account_forms import SetPasswordForm

urlpatterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("home/", home.account_home, name="account_home"),
    path("signup/", accounts.sign_up, name="signup"),
    path("signup/done/", accounts.sign_up_done, name="signup_done"),
    path("signup/confirm/<str:token>/", accounts.confirm_sign_up, name="signup_confirm"),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
