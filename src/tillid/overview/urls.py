from django.urls import include, path

from tillid.overview import views

app_name = "overview"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("opfoelgning/", views.followups, name="followups"),
    path("beslutninger/", views.decisions, name="decisions"),
    path("virkning/", include("tillid.overview.effects.urls")),
]
