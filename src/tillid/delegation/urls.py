from django.urls import path, re_path

from tillid.delegation import views

app_name = "delegation"

urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("personer/<int:person_id>/", views.person_records, name="person"),
    re_path(
        r"^personer/(?P<person_id>[0-9]+)/eksport\.(?P<fmt>json|xlsx)$", views.export, name="export"
    ),
    path("teams/<int:unit_id>/", views.team_records, name="team"),
    path("dosering/ny/", views.dosing_new, name="dosing_new"),
    path("dosering/forslag/", views.suggestion, name="suggestion"),
    path("dosering/<int:dosing_id>/", views.dosing_detail, name="dosing"),
    path("dosering/<int:dosing_id>/brud/", views.breach_new, name="breach_new"),
    path("brud/<int:breach_id>/", views.breach_detail, name="breach"),
    path("laering/", views.lessons, name="lessons"),
    path("laeselog/", views.read_log, name="read_log"),
]
