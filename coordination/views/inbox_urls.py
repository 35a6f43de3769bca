"""/inbox/ (namespace "inbox")."""

from django.urls import path

from . import inbox

app_name = "inbox"

urlpatterns = [
    path("", inbox.home, name="home"),
    path("read-all/", inbox.mark_all_read, name="mark_all_read"),
    path("<int:pk>/read/", inbox.mark_read, name="mark_read"),
    path("preferences/", inbox.preferences, name="preferences"),
]
