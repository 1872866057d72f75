from django.urls import include, path

from tillid.overview import views

app_name = "overview"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("virkning/", include("tillid.overview.effects.urls")),
]
