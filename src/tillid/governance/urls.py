from django.urls import path

from tillid.governance import views

app_name = "governance"

urlpatterns = [
    path("", views.register, name="register"),
    path("ny/", views.item_create, name="item_create"),
    path("punkter/<int:item_id>/", views.item_detail, name="item"),
    path("punkter/<int:item_id>/rediger/", views.item_edit, name="item_edit"),
    path("punkter/<int:item_id>/aktiviteter/", views.activity_add, name="activity_add"),
    path(
        "punkter/<int:item_id>/aktiviteter/<int:activity_id>/slet/",
        views.activity_delete,
        name="activity_delete",
    ),
    path("punkter/<int:item_id>/vurder/", views.assess, name="assess"),
    path("punkter/<int:item_id>/gennemgang/", views.review_open, name="review_open"),
    path("min-styring/", views.my_items, name="my_items"),
    path("kle/enheder/", views.kle_units, name="kle_units"),
    path("loeget/", views.onion, name="onion"),
    path("enheder/<int:unit_id>/", views.unit_page, name="unit"),
    path("rangering/", views.ranking, name="ranking"),
    path("balance/", views.balance, name="balance"),
    path("signaler/", views.signals, name="signals"),
    path("gennemgange/", views.review_list, name="reviews"),
    path("gennemgange/<int:review_id>/", views.review_detail, name="review"),
    path(
        "gennemgange/<int:review_id>/deltagere/",
        views.review_participant,
        name="review_participant",
    ),
    path("gennemgange/<int:review_id>/dialog/", views.review_note, name="review_note"),
    path(
        "gennemgange/<int:review_id>/inviter-gruppe/",
        views.review_invite_group,
        name="review_invite_group",
    ),
    path("gennemgange/<int:review_id>/bidrag/", views.review_contribute, name="review_contribute"),
    path("gennemgange/<int:review_id>/fase/", views.review_advance, name="review_advance"),
    path("gennemgange/<int:review_id>/beslutning/", views.review_decide, name="review_decide"),
    path("boevl/ny/", views.red_tape_new, name="red_tape_new"),
    path("boevl/mine/", views.red_tape_mine, name="red_tape_mine"),
    path("boevl/mine/<int:report_id>/", views.red_tape_report_mine, name="red_tape_report_mine"),
    path("boevl/opfoelgning/", views.red_tape_follow_up, name="red_tape_follow_up"),
    path("meningssamling/", views.queue, name="queue"),
    path("meningssamling/<int:report_id>/", views.queue_report, name="queue_report"),
    path("meningssamling/<int:report_id>/ansvarlig/", views.queue_assign, name="queue_assign"),
    path("meningssamling/<int:report_id>/notat/", views.queue_note, name="queue_note"),
    path(
        "meningssamling/<int:report_id>/gennemgang/",
        views.queue_open_review,
        name="queue_open_review",
    ),
    path(
        "gennemgange/<int:review_id>/opfoelgning/",
        views.review_follow_up,
        name="review_follow_up",
    ),
    path("import/", views.import_register, name="import"),
    path("eksport.<str:fmt>", views.export_register, name="export"),
    path("eksport-aktiviteter.csv", views.export_activities, name="export_activities"),
]
