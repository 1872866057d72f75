"""Included under /overblik/virkning/ in the overview's urls (names "overview:effect_*")."""

from django.urls import path

from tillid.overview.effects import views

urlpatterns = [
    path("beslutning/<int:decision_id>/", views.effect_decision, name="effect_decision"),
    path("proevehandling/<int:trial_id>/", views.effect_trial, name="effect_trial"),
    path("gruppe/", views.effect_group, name="effect_group"),
    path("ulighed/", views.effect_inequality, name="effect_inequality"),
]
