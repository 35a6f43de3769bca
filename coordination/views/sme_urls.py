"""/sme/ (namespace "sme")."""

from django.urls import path

from . import sme

app_name = "sme"

urlpatterns = [
    path("", sme.home, name="home"),
]
