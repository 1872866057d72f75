from django.urls import path

from tillid.compass import views

app_name = "compass"

urlpatterns = [
    path("", views.index, name="index"),
    path("runder/ny/", views.round_new, name="round_new"),
    path("runder/<int:round_id>/", views.round_detail, name="round"),
    path("runder/<int:round_id>/paamindelser/", views.round_reminders, name="round_reminders"),
    path("runder/<int:round_id>/breve/", views.round_letters, name="round_letters"),
    path("runder/<int:round_id>/udsendelse/", views.round_mailing, name="round_mailing"),
    path("runder/<int:round_id>/fejlede/", views.round_failures, name="round_failures"),
    path("runder/<int:round_id>/fejlede/send/", views.round_resend, name="round_resend"),
    path(
        "runder/<int:round_id>/fejlede/breve/",
        views.round_failed_letters,
        name="round_failed_letters",
    ),
    path("runder/<int:round_id>/anonymitet/", views.round_anonymity, name="round_anonymity"),
    path("runder/<int:round_id>/luk/", views.round_close, name="round_close"),
    path("runder/<int:round_id>/paalidelighed/", views.round_reliability, name="round_reliability"),
    path("runder/<int:round_id>/resultater/<int:unit_id>/", views.results, name="results"),
    path(
        "runder/<int:round_id>/resultater/<int:unit_id>/rapport.pdf",
        views.results_pdf,
        name="results_pdf",
    ),
    path(
        "runder/<int:round_id>/resultater/<int:unit_id>/resultater.xlsx",
        views.results_xlsx,
        name="results_xlsx",
    ),
    path(
        "runder/<int:round_id>/selvvurdering/<int:unit_id>/",
        views.self_assessment,
        name="self_assessment",
    ),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:round_id>/nyt-link/", views.new_link, name="new_link"),
    path("mine/<int:round_id>/ny-kode/", views.new_code, name="new_code"),
    path("svar/", views.answer_start, name="answer_start"),
    path("svar/tak/<str:key>/", views.answer_thanks, name="answer_thanks"),
    path("svar/<str:token>/", views.answer, name="answer"),
    path("enheder/<int:unit_id>/dialog/", views.dialogue, name="dialogue"),
    path("enheder/<int:unit_id>/dialog/nyt-moede/", views.meeting_new, name="meeting_new"),
    path("handlinger/<int:action_id>/", views.action_update, name="action_update"),
    path("handlinger/<int:action_id>/tjek/", views.action_check, name="action_check"),
    path("opfoelgning/", views.dialogue_followup, name="followup"),
    path("import/", views.import_responses, name="import"),
]
