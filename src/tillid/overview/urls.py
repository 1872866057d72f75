from django.urls import include, path, re_path

from tillid.overview import views

app_name = "overview"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("opfoelgning/", views.followups, name="followups"),
    path("beslutninger/", views.decisions, name="decisions"),
    path("virkning-og-ulighed/", views.effects_panel, name="effects_panel"),
    path("virkning/", include("tillid.overview.effects.urls")),
    path("rapport/", views.report_create, name="report_create"),
    path("rapport/<int:pk>/", views.report, name="report"),
    re_path(r"^rapport/(?P<pk>[0-9]+)/(?P<kind>pdf|xlsx)/$", views.report_file, name="report_file"),
]
