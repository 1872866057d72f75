from django.urls import path

from tillid.organisation import unit_search, views

app_name = "organisation"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("enheder/<int:unit_id>/", views.unit_detail, name="unit"),
    path("enheder/<int:unit_id>/underenheder/", views.tree_children, name="tree_children"),
    path("enheder/<int:unit_id>/kle/", views.unit_kle, name="unit_kle"),
    path("kle/soeg/", views.kle_search, name="kle_search"),
    path("enheder/soeg/", unit_search.unit_search, name="unit_search"),
    path("personer/", views.people_list, name="people"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:import_id>/", views.import_status, name="import_status"),
    path("import/<int:import_id>/bekraeft/", views.import_confirm, name="import_confirm"),
    path("import/<int:import_id>/fortryd/", views.import_undo, name="import_undo"),
    path(
        "import/<int:import_id>/aendringer/<str:table>/<str:kind>/",
        views.import_changes,
        name="import_changes",
    ),
    path("import/eksempler/<str:name>", views.import_sample, name="import_sample"),
    path("roller/", views.role_list, name="roles"),
    path("roller/<int:grant_id>/fjern/", views.role_revoke, name="role_revoke"),
    path("roller/jobfunktioner/", views.job_function_roles, name="job_function_roles"),
    path(
        "roller/jobfunktioner/<int:mapping_id>/fjern/",
        views.job_function_role_remove,
        name="job_function_role_remove",
    ),
]
