"""Units by their path ("Ældreområdet › Hjortevænget › Team Aften") for the unit
picker of every form (tillid.core.unit_picker): path labels and the search
endpoint the picker asks (settings.TILLID_UNIT_SEARCH_URL names it)."""

from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.shortcuts import render

from tillid.organisation.models import Unit
from tillid.organisation.permissions import Perm, scope_for

SEPARATOR = " › "
MAX_HITS = 20


def path_labels(units: Iterable[Unit]) -> dict[int, str]:
    """Each unit's name with its ancestors', top first, in one query (two for a
    queryset, read as plain rows: a picker of a whole city's units would
    otherwise build thousands of model instances)."""
    if isinstance(units, QuerySet):
        rows = list(units.order_by().values_list("pk", "path", "name"))
    else:
        rows = [(u.pk, u.path, u.name) for u in units]
    split = {pk: [int(p) for p in path.strip("/").split("/") if p] for pk, path, _n in rows}
    ancestors = {i for ids in split.values() for i in ids}
    if len(ancestors) > 500:
        # Most of the tree: reading every name beats a long IN list.
        names = dict(Unit.objects.order_by().values_list("pk", "name"))
    else:
        names = dict(Unit.objects.filter(pk__in=ancestors).values_list("pk", "name"))
    labels = {}
    for pk, _path, name in rows:
        labels[pk] = SEPARATOR.join(names.get(i, name) for i in split[pk] or [pk])
    return labels


def search(user, query: str, *, page: int = 1) -> tuple[list[tuple[int, str]], bool]:
    """Active units the user may see whose name matches every word, as (id, path label),
    ordered by path label; MAX_HITS a page, and whether there are more."""
    qs = Unit.objects.filter(is_active=True).filter(
        scope_for(user, Perm.VIEW_ORGANISATION).unit_q()
    )
    for word in query.split()[:5]:
        qs = qs.filter(Q(name__icontains=word))
    start = (max(page, 1) - 1) * MAX_HITS
    found = list(qs.order_by("depth", "name", "pk")[start : start + MAX_HITS + 1])
    more = len(found) > MAX_HITS
    found = found[:MAX_HITS]
    labels = path_labels(found)
    return sorted(((u.pk, labels[u.pk]) for u in found), key=lambda row: row[1]), more


@login_required
def unit_search(request):
    """The picker's hits: an HTML list of buttons (htmx swaps it in)."""
    query = request.GET.get("q", "").strip()[:100]
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    hits, more = search(request.user, query, page=page) if query else ([], False)
    return render(
        request,
        "organisation/_unit_hits.html",
        {"hits": hits, "more": more, "query": query, "page": page},
    )
