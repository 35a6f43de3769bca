"""/evaluation/ (namespace "evaluation"): the dashboard, its tables as files and the quarterly report; the
major tasks' financing and their packages."""

from django.urls import path, re_path

from . import evaluation, major_tasks

app_name = "evaluation"

urlpatterns = [
    path("", evaluation.dashboard, name="dashboard"),
    re_path(r"^export/(?P<slug>[a-z]+)\.(?P<fmt>csv|xlsx)$", evaluation.export, name="export"),
    path("report/", evaluation.report, name="report"),
    path("lists/", evaluation.lists, name="lists"),
    re_path(r"^lists\.(?P<fmt>csv|xlsx)$", evaluation.lists, name="lists-export"),
    path("report.pdf", evaluation.report_pdf, name="report-pdf"),
    path("major-tasks/", major_tasks.task_list, name="major-tasks"),
    path("major-tasks/<int:task_id>/", major_tasks.task_detail, name="major-task"),
    path("major-tasks/<int:task_id>/packages/new/", major_tasks.package_new, name="package-new"),
    path("packages/<int:package_id>/propose/", major_tasks.package_propose, name="package-propose"),
]
