from django.urls import path

from tillid.overview import views

app_name = "overview"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("opfoelgning/", views.followups, name="followups"),
    path("beslutninger/", views.decisions, name="decisions"),
]
