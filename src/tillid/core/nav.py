"""Main navigation and front-page cards: each module's AppConfig declares its own.

An app adds `nav_entry = NavEntry(...)` to its AppConfig; the base layout
shows the entries the user may use, in `order`, so a module appears in the
menu when it is installed and not before. Whether a user may use an entry is
asked of the permission function named by settings.TILLID_PERMISSION_CHECK,
so core needs no import of the organisation app.
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str
    order: int
    # URL prefix that marks the entry as the current section.
    prefix: str
    # One sentence for the front page card.
    description: str = ""
    # Permission (value of Perm) needed somewhere in the organisation; a
    # tuple means any one of them.
    perm: str | tuple[str, ...] = ""


@dataclass(frozen=True)
class UnitLink:
    """A module's page about one unit, linked from the organisation's unit page.

    The URL takes the unit id as the keyword `unit_id`, or as the query
    parameter `query_param` when that is set.
    """

    url_name: str
    label: str
    perm: str = ""
    query_param: str = ""


@dataclass(frozen=True)
class FrontPanelItem:
    text: str
    url: str = ""
    # A second line: a due date, "late by 4 days", a round's closing day.
    note: str = ""
    late: bool = False


@dataclass(frozen=True)
class FrontPanel:
    """A box on a user's front page offered by a module (contract
    "organisation.front_page_panels"): what the user owes or is asked to do."""

    title: str
    items: tuple[FrontPanelItem, ...] = ()
    # Shown when there are no items; a panel with neither is left out.
    empty: str = ""
    # A link under the items ("All your follow-ups").
    more_url: str = ""
    more_label: str = ""
    order: int = 50


@cache
def _entries() -> tuple[NavEntry, ...]:
    found = [cfg.nav_entry for cfg in apps.get_app_configs() if getattr(cfg, "nav_entry", None)]
    return tuple(sorted(found, key=lambda e: e.order))


def visible_entries(user) -> list[NavEntry]:
    if not user.is_authenticated:
        return []
    allowed = import_string(settings.TILLID_PERMISSION_CHECK)

    def may_use(entry: NavEntry) -> bool:
        perms = (entry.perm,) if isinstance(entry.perm, str) else entry.perm
        return not entry.perm or any(allowed(user, p) for p in perms)

    return [e for e in _entries() if may_use(e)]


def nav_items(request) -> list[dict]:
    return [
        {
            "href": reverse(entry.url_name),
            "label": entry.label,
            "description": entry.description,
            "current": request.path.startswith(entry.prefix),
        }
        for entry in visible_entries(request.user)
    ]


def unit_links(user, unit) -> list[dict]:
    """Links to every installed module's page about `unit` the user may use."""
    allowed = import_string(settings.TILLID_PERMISSION_CHECK)
    links = []
    for cfg in apps.get_app_configs():
        for link in getattr(cfg, "unit_links", ()):
            if link.perm and not allowed(user, link.perm):
                continue
            if link.query_param:
                href = f"{reverse(link.url_name)}?{link.query_param}={unit.pk}"
            else:
                href = reverse(link.url_name, kwargs={"unit_id": unit.pk})
            links.append({"href": href, "label": link.label})
    return links
