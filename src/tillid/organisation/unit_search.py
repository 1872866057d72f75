"""Units by their path ("Ældreområdet › Hjortevænget › Team Aften") for the unit
picker of every form (tillid.core.unit_picker): path labels and the search
endpoint the picker asks (settings.TILLID_UNIT_SEARCH_URL names it)."""

from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render

from tillid.organisation.models import Unit
from tillid.organisation.permissions import Perm, scope_for

SEPARATOR = " › "
MAX_HITS = 20


def path_labels(units: Iterable[Unit]) -> dict[int, str]:
    """Each unit's name with its ancestors', top first, in one query."""
    units = list(units)
    ancestors = {int(p) for u in units for p in u.path.strip("/").split("/") if p}
    names = dict(Unit.objects.filter(pk__in=ancestors).values_list("pk", "name"))
    labels = {}
    for unit in units:
        ids = [int(p) for p in unit.path.strip("/").split("/") if p] or [unit.pk]
        labels[unit.pk] = SEPARATOR.join(names.get(i, unit.name) for i in ids)
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
