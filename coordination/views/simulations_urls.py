"""/policies/simulations/ (namespace "simulations"): start, follow and export policy simulations."""

from django.urls import path

from . import simulations

app_name = "simulations"

urlpatterns = [
    path("", simulations.index, name="index"),
    path("programme/<int:programme_id>/", simulations.start, name="start"),
    path("<int:simulation_id>/", simulations.detail, name="detail"),
    path("<int:simulation_id>/export.xlsx", simulations.export, name="export"),
]
