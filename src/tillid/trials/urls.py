from django.urls import path

from tillid.trials import views

app_name = "trials"

urlpatterns = [
    path("", views.board, name="board"),
    path("liste/", views.trial_list, name="list"),
    path("ny/", views.propose, name="propose"),
    path("tillidstest/ny/", views.trust_test_new, name="trust_test_new"),
    path("<int:trial_id>/", views.detail, name="detail"),
    path("<int:trial_id>/rediger/", views.edit, name="edit"),
    path("<int:trial_id>/godkend/", views.approve, name="approve"),
    path("<int:trial_id>/fase/", views.move, name="move"),
    path("<int:trial_id>/opgaver/", views.add_task, name="add_task"),
    path("<int:trial_id>/opgaver/<int:task_id>/", views.toggle_task, name="toggle_task"),
    path("<int:trial_id>/milepaele/", views.add_milestone, name="add_milestone"),
    path(
        "<int:trial_id>/milepaele/<int:milestone_id>/",
        views.toggle_milestone,
        name="toggle_milestone",
    ),
    path("<int:trial_id>/observationer/", views.add_observation, name="add_observation"),
    path("<int:trial_id>/evaluering/", views.evaluate, name="evaluate"),
    path("<int:trial_id>/udbredelse/", views.adopt, name="adopt"),
    path("<int:trial_id>/styring/", views.link_governance, name="link_governance"),
    path(
        "<int:trial_id>/styring/<int:link_id>/fjern/",
        views.unlink_governance,
        name="unlink_governance",
    ),
    path("<int:trial_id>/udfald/", views.trust_outcome, name="trust_outcome"),
    path("<int:trial_id>/start/", views.trust_start, name="trust_start"),
    path("<int:trial_id>/opfoelgning/", views.follow_up, name="follow_up"),
]
