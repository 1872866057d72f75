from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tillid.core import contracts
from tillid.core.nav import unit_links
from tillid.core.tabular import count_rows
from tillid.core.viewkit import CONTENT_TYPES, paginate, require
from tillid.organisation import selectors, services
from tillid.organisation.forms import (
    ConfirmDeactivationsForm,
    JobFunctionRoleForm,
    OrganisationImportForm,
    PeopleSearchForm,
    RoleGrantForm,
    UndoImportForm,
    UnitKLEForm,
    UnitSearchForm,
)
from tillid.organisation.importing import CHANGE_KINDS, PEOPLE, UNITS, table_label
from tillid.organisation.models import ImportStatus, OrganisationImport, Role
from tillid.organisation.permissions import (
    Perm,
    forget_cached_grants,
    has_perm,
    has_perm_anywhere,
    require_perm,
    roles_of,
    scope_for,
)
from tillid.organisation.tasks import run_organisation_import

SAMPLES_DIR = settings.BASE_DIR / "docs" / "samples"
IMPORT_SAMPLES = {
    name: SAMPLES_DIR / name
    for name in ("organisation.xlsx", "organisation-units.csv", "organisation-people.csv")
}


@login_required
def home(request):
    person = selectors.person_for_user(request.user)
    roles = sorted(roles_of(request.user), key=Role.values.index)
    panels = [
        panel
        for _label, found in contracts.collect(
            "organisation.front_page_panels", user=request.user, person=person
        )
        for panel in found
        if panel.items or panel.empty
    ]
    return render(
        request,
        "organisation/home.html",
        {
            "person": person,
            "panels": sorted(panels, key=lambda panel: panel.order),
            "role_labels": [Role(r).label for r in roles],
            "can_import": has_perm(request.user, Perm.IMPORT_ORGANISATION),
            "can_manage_roles": has_perm(request.user, Perm.MANAGE_ROLES),
            "can_view_people": has_perm_anywhere(request.user, Perm.VIEW_PEOPLE),
        },
    )


def _nodes(units, counts: dict[int, int], parents_with_children: set[int]) -> list[dict]:
    return [
        {"unit": u, "count": counts.get(u.pk, 0), "has_children": u.pk in parents_with_children}
        for u in units
    ]


@login_required
def tree(request):
    require_perm(request.user, Perm.VIEW_ORGANISATION)
    form = UnitSearchForm(request.GET or None)
    query = kind = ""
    if form.is_valid():
        query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    context = {"form": form, "query": query or kind}
    counts = selectors.headcounts()
    if query or kind:
        page = paginate(request, selectors.search_units(query, kind=kind))
        trails = selectors.ancestor_trails(list(page))
        context["page_obj"] = page
        context["rows"] = [
            {
                "unit": u,
                "count": counts.get(u.pk, 0),
                "path": " › ".join(a.name for a in trails[u.pk]),
            }
            for u in page
        ]
    else:
        with_children = selectors.units_with_children()
        context["nodes"] = [
            {
                **node,
                "children": _nodes(selectors.child_units(node["unit"]), counts, with_children),
            }
            for node in _nodes(selectors.root_units(), counts, with_children)
        ]
    template = "organisation/_search_results.html" if request.htmx else "organisation/tree.html"
    return render(request, template, context)


@login_required
def tree_children(request, unit_id: int):
    unit = get_object_or_404(selectors.active_units(), pk=unit_id)
    require_perm(request.user, Perm.VIEW_ORGANISATION, unit)
    children = list(selectors.child_units(unit))
    nodes = _nodes(children, selectors.headcounts(children), selectors.units_with_children())
    return render(request, "organisation/_tree_children.html", {"nodes": nodes})


@login_required
def unit_detail(request, unit_id: int):
    unit = get_object_or_404(selectors.active_units(), pk=unit_id)
    require_perm(request.user, Perm.VIEW_ORGANISATION, unit)
    children = list(selectors.child_units(unit))
    counts = selectors.headcounts([unit, *children])
    can_view_people = has_perm(request.user, Perm.VIEW_PEOPLE, unit)
    context = {
        "unit": unit,
        "ancestors": selectors.ancestors(unit),
        "headcount": counts[unit.pk],
        "child_rows": [{"unit": c, "count": counts[c.pk]} for c in children],
        "leaders": selectors.leaders_of(unit),
        "can_view_people": can_view_people,
        "module_links": unit_links(request.user, unit),
        "kle_areas": list(unit.kle_numbers.order_by("number")),
        "can_edit_kle": has_perm(request.user, Perm.IMPORT_ORGANISATION),
    }
    if can_view_people:
        context["page_obj"] = paginate(
            request,
            selectors.people(scope=scope_for(request.user, Perm.VIEW_PEOPLE), unit=unit),
        )
    return render(request, "organisation/unit_detail.html", context)


@login_required
def unit_kle(request, unit_id: int):
    """Set a unit's task areas (KLE numbers) by hand; OS2mo may also bring them."""
    unit = get_object_or_404(selectors.active_units(), pk=unit_id)
    # The organisation's structure is kept by those who import it.
    require_perm(request.user, Perm.IMPORT_ORGANISATION)
    current = " ".join(unit.kle_numbers.order_by("number").values_list("number", flat=True))
    form = UnitKLEForm(request.POST or None, initial={"numbers": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_unit_kle(unit=unit, numbers=form.cleaned_data["numbers"])
        except services.UnknownKLENumbers as exc:
            form.add_error(
                "numbers",
                _("Unknown KLE numbers: %(numbers)s") % {"numbers": ", ".join(exc.numbers)},
            )
        else:
            messages.success(request, _("The unit's task areas have been saved."))
            return redirect("organisation:unit", unit.pk)
    return render(request, "organisation/unit_kle.html", {"unit": unit, "form": form})


@login_required
def kle_search(request):
    """Current KLE numbers matching what the user types (options for a datalist, htmx)."""
    query = request.GET.get("q") or request.GET.get("kle") or ""
    return render(
        request, "organisation/_kle_options.html", {"numbers": selectors.search_kle(query)}
    )


@login_required
def people_list(request):
    require_perm(request.user, Perm.VIEW_PEOPLE)
    scope = scope_for(request.user, Perm.VIEW_PEOPLE)
    form = PeopleSearchForm(request.GET or None)
    query, unit, leaders_only = "", None, False
    if form.is_valid():
        query = form.cleaned_data["q"]
        unit = form.cleaned_data["unit"]
        leaders_only = form.cleaned_data["leaders"]
        require(unit is None or scope.contains(unit))
    page = paginate(
        request, selectors.people(scope=scope, query=query, unit=unit, leaders_only=leaders_only)
    )
    template = "organisation/_people_table.html" if request.htmx else "organisation/people.html"
    return render(request, template, {"form": form, "page_obj": page})


@login_required
def role_list(request):
    require_perm(request.user, Perm.MANAGE_ROLES)
    if request.method == "POST":
        form = RoleGrantForm(request.POST)
        if form.is_valid():
            user = form.cleaned_data.get("user")
            person = form.cleaned_data.get("person")
            services.grant_role(
                user=user,
                person=person,
                role=form.cleaned_data["role"],
                unit=form.cleaned_data["unit"],
                granted_by=request.user,
            )
            if user is not None:
                forget_cached_grants(user)
            messages.success(request, _("The role has been granted."))
            return redirect("organisation:roles")
    else:
        form = RoleGrantForm()
    page = paginate(request, selectors.role_grants())
    return render(request, "organisation/roles.html", {"form": form, "page_obj": page})


@login_required
@require_POST
def role_revoke(request, grant_id: int):
    require_perm(request.user, Perm.MANAGE_ROLES)
    if services.revoke_role(grant_id=grant_id):
        messages.success(request, _("The role has been removed."))
    else:
        messages.error(request, _("The role grant no longer exists."))
    return redirect("organisation:roles")


@login_required
def job_function_roles(request):
    """The table that turns the municipal login's job-function roles into Tillid roles."""
    require_perm(request.user, Perm.MANAGE_ROLES)
    form = JobFunctionRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_job_function_role(**form.cleaned_data)
        messages.success(request, _("The job-function role has been mapped."))
        return redirect("organisation:job_function_roles")
    page = paginate(request, selectors.job_function_roles())
    return render(
        request,
        "organisation/job_function_roles.html",
        {"form": form, "page_obj": page, "saml_enabled": getattr(settings, "SAML_ENABLED", False)},
    )


@login_required
@require_POST
def job_function_role_remove(request, mapping_id: int):
    require_perm(request.user, Perm.MANAGE_ROLES)
    if services.remove_job_function_role(mapping_id=mapping_id):
        messages.success(request, _("The mapping has been removed."))
    else:
        messages.error(request, _("The mapping no longer exists."))
    return redirect("organisation:job_function_roles")


def _imports():
    # The stored files and the full lists of changes are large; lists and the
    # status page never need them.
    return OrganisationImport.objects.select_related("uploaded_by", "undone_by").defer(
        "content", "changes"
    )


@login_required
def import_upload(request):
    require(has_perm(request.user, Perm.IMPORT_ORGANISATION))
    if request.method == "POST":
        form = OrganisationImportForm(request.POST, request.FILES)
        if form.is_valid():
            files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
            rows = sum(count_rows(name, content) for name, content in files)
            in_background = rows > settings.TILLID_IMPORT_INLINE_MAX_ROWS
            try:
                record = services.create_import(
                    files=files,
                    dry_run=form.cleaned_data["dry_run"],
                    user=request.user,
                    row_count=rows,
                    in_background=in_background,
                )
            except services.ImportAlreadyRunning as exc:
                messages.warning(
                    request,
                    _(
                        "These files are already being imported. Wait until that import is finished."
                    ),
                )
                return redirect("organisation:import_status", import_id=exc.running.pk)
            _run_or_enqueue(record)
            return redirect("organisation:import_status", import_id=record.pk)
    else:
        form = OrganisationImportForm()
    page = paginate(request, _imports())
    return render(
        request,
        "organisation/import.html",
        {"form": form, "page_obj": page, "samples": IMPORT_SAMPLES},
    )


_CHANGE_LABELS = {
    "added": gettext_lazy("Added"),
    "renamed": gettext_lazy("Renamed"),
    "updated": gettext_lazy("Other details changed"),
    "moved": gettext_lazy("Moved"),
    "reactivated": gettext_lazy("Reactivated"),
    "deactivated": gettext_lazy("Deactivated"),
    "unchanged": gettext_lazy("Unchanged"),
}


def _report_context(record) -> dict:
    report = record.report or {}
    units = report.get(UNITS, {})
    people = report.get(PEOPLE, {})
    counts = [
        {
            "label": label,
            "units": units.get("counts", {}).get(kind, 0),
            "people": people.get("counts", {}).get(kind, 0),
        }
        for kind, label in _CHANGE_LABELS.items()
    ]
    examples = []
    for table, data in ((UNITS, units), (PEOPLE, people)):
        for kind, label in _CHANGE_LABELS.items():
            items = data.get("examples", {}).get(kind) or []
            if items:
                examples.append(
                    {
                        "table": table_label(table),
                        "label": label,
                        "count": data["counts"][kind],
                        "items": items,
                        "url": reverse(
                            "organisation:import_changes", args=[record.pk, table, kind]
                        ),
                    }
                )
    return {"counts": counts, "examples": examples, "changes": report.get("changes", 0)}


def _safety_context(record) -> dict:
    """The safety net in words: how much the plan deactivates, against the limit."""
    safety = (record.report or {}).get("safety") or {}
    if not safety:
        return {}
    rows = []
    for table in (UNITS, PEOPLE):
        figures = safety.get(table, {})
        rows.append(
            {
                "table": table_label(table),
                "deactivated": figures.get("deactivated", 0),
                "active": figures.get("active", 0),
                "percent": round(100 * figures.get("share", 0)),
            }
        )
    return {
        "safety": safety,
        "safety_rows": rows,
        "deactivated_units": safety.get(UNITS, {}).get("deactivated", 0),
        "deactivated_people": safety.get(PEOPLE, {}).get("deactivated", 0),
        "limit_percent": f"{safety.get('limit_percent', 0):g}",
        "warn": bool(safety.get("exceeded") or safety.get("large")),
    }


def _undo_context(record) -> dict:
    context = {}
    if record.undone_at is not None:
        report = record.undo_report or {}
        context["undo_rows"] = [
            {
                "table": table_label(table),
                **{kind: report.get(table, {}).get(kind, 0) for kind in _UNDO_KINDS},
            }
            for table in (UNITS, PEOPLE)
        ]
    elif not record.dry_run and record.status == ImportStatus.SUCCEEDED and record.applied_at:
        refusal = services.undo_refusal(record)
        context["undo_refusal"] = refusal
        if refusal is None:
            context["undo_form"] = UndoImportForm()
            context["undo_until"] = record.applied_at + timedelta(
                days=settings.TILLID_IMPORT_UNDO_DAYS
            )
    return context


_UNDO_KINDS = ("restored", "reactivated", "deactivated")


def _run_or_enqueue(record) -> None:
    if record.in_background:
        run_organisation_import.enqueue(record.pk)
    else:
        services.run_import(import_id=record.pk)


@login_required
def import_status(request, import_id: int):
    require(has_perm(request.user, Perm.IMPORT_ORGANISATION))
    record = get_object_or_404(_imports(), pk=import_id)
    context = {"record": record}
    if record.is_finished:
        context.update(_report_context(record))
        context.update(_safety_context(record))
        context.update(_undo_context(record))
        if record.status == ImportStatus.AWAITING_CONFIRMATION:
            context["confirm_form"] = ConfirmDeactivationsForm(
                units=context.get("deactivated_units", 0),
                people=context.get("deactivated_people", 0),
            )
        errors = [
            {**error, "table": table_label(error.get("table", ""))} for error in record.errors
        ]
        context["error_count"] = len(errors)
        context["page_obj"] = paginate(request, errors) if errors else None
    template = (
        "organisation/_import_status.html" if request.htmx else "organisation/import_status.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def import_confirm(request, import_id: int):
    """The explicit yes to a plan that deactivates more than the limit; then it runs."""
    require(has_perm(request.user, Perm.IMPORT_ORGANISATION))
    record = get_object_or_404(_imports(), pk=import_id)
    context = _safety_context(record)
    form = ConfirmDeactivationsForm(
        request.POST,
        units=context.get("deactivated_units", 0),
        people=context.get("deactivated_people", 0),
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("organisation:import_status", import_id=record.pk)
    try:
        record = services.confirm_import(
            import_id=record.pk, count=form.cleaned_data["count"], user=request.user
        )
    except services.ImportNotWaiting:
        messages.warning(request, _("This import no longer waits for a confirmation."))
        return redirect("organisation:import_status", import_id=record.pk)
    _run_or_enqueue(record)
    return redirect("organisation:import_status", import_id=record.pk)


@login_required
@require_POST
def import_undo(request, import_id: int):
    require(has_perm(request.user, Perm.IMPORT_ORGANISATION))
    record = get_object_or_404(_imports(), pk=import_id)
    form = UndoImportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the undo."))
        return redirect("organisation:import_status", import_id=record.pk)
    try:
        services.undo_import(import_id=record.pk, user=request.user)
    except services.ImportCannotBeUndone as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The import has been undone: the organisation is as it was before it.")
        )
    return redirect("organisation:import_status", import_id=record.pk)


@login_required
def import_changes(request, import_id: int, table: str, kind: str):
    """Every change of one kind in an import's plan, paginated (e.g. all deactivated people)."""
    require(has_perm(request.user, Perm.IMPORT_ORGANISATION))
    if table not in (UNITS, PEOPLE) or kind not in CHANGE_KINDS:
        raise Http404
    record = get_object_or_404(
        OrganisationImport.objects.only("id", "filename", "changes"), pk=import_id
    )
    items = (record.changes or {}).get(table, {}).get(kind, [])
    query = request.GET.get("q", "").strip()
    if query:
        needle = query.lower()
        items = [item for item in items if needle in " ".join(item).lower()]
    return render(
        request,
        "organisation/import_changes.html",
        {
            "record": record,
            "table_label": table_label(table),
            "kind_label": _CHANGE_LABELS[kind],
            "query": query,
            "page_obj": paginate(
                request,
                [
                    dict(zip(("external_id", "name", "detail"), item, strict=False))
                    for item in items
                ],
            ),
        },
    )


@login_required
def import_sample(request, name: str):
    path = IMPORT_SAMPLES.get(name)
    if path is None or not path.exists():
        raise Http404
    # A file on disk: streamed, named by Django's FileResponse.
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=CONTENT_TYPES[name[-4:].lstrip(".")],
    )
