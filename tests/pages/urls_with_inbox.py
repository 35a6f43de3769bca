"""The project's URLs plus a stand-in inbox, for the header's tests before the inbox pages exist."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

inbox_patterns = ([path("", lambda request: HttpResponse("inbox"), name="home")], "inbox")

urlpatterns = [*project_urlpatterns, path("inbox/", include(inbox_patterns))]
