"""/evaluation/ (namespace "evaluation"): the dashboard, its tables as files and the quarterly report."""

from django.urls import path, re_path

from . import evaluation

app_name = "evaluation"

urlpatterns = [
    path("", evaluation.dashboard, name="dashboard"),
    re_path(r"^export/(?P<slug>[a-z]+)\.(?P<fmt>csv|xlsx)$", evaluation.export, name="export"),
    path("report/", evaluation.report, name="report"),
    path("lists/", evaluation.lists, name="lists"),
    re_path(r"^lists\.(?P<fmt>csv|xlsx)$", evaluation.lists, name="lists-export"),
    path("report.pdf", evaluation.report_pdf, name="report-pdf"),
]
