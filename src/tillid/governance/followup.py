"""The follow-up loop in governance: what is owed an answer, by whom, by when (issue 11).

- A red-tape report owes its reporter an answer within the promise
  (settings.TILLID_RED_TAPE_PROMISE_DAYS); its responsible is the assignee
  chosen in the Meningssamling. It counts as answered from the day the
  reporter is first given an answer in writing.
- A four-F decision owes a follow-up on its date (was the burden really
  freed, did the change work?), and an escalation the higher layer's answer;
  both are owed by the facilitator who opened the review.

Offered to the overview as "overview.followups". Red-tape reports describe
the people who reported: for a scope they are listed only where the
anonymity engine shows that scope's cell of reporters (see `reporter_cells`),
and always without the reporter's unit or own words.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tillid.core.anonymity import Disclosure
from tillid.core.indicators import FollowUp, Scope
from tillid.governance.models import (
    EscalationAnswer,
    Item,
    RedTapeReport,
    Review,
    ReviewStatus,
)
from tillid.organisation.models import Unit
from tillid.organisation.permissions import ROLE_PERMS, Perm, has_perm
from tillid.organisation.selectors import disclose_per_unit

# Answered reports and followed-up decisions stay in the lists this long, so an
# owner sees what was just closed.
RECENT_DAYS = 30

KIND_RED_TAPE = "red_tape"
KIND_DECISION = "decision"
KIND_ESCALATION = "escalation"


def late_q(today: dt.date) -> Q:
    """Reports still without an answer after their due date."""
    return Q(answered_on__isnull=True, due_on__lt=today)


def _open_or_recent(qs, done_field: str, today: dt.date):
    since = today - dt.timedelta(days=RECENT_DAYS)
    return qs.filter(Q(**{f"{done_field}__isnull": True}) | Q(**{f"{done_field}__gte": since}))


# --- who answers ---------------------------------------------------------------------


def may_handle_report(user, report: RedTapeReport) -> bool:
    """May `user` answer the report: the Meningssamling for the reporter's unit (or everything)."""
    if report.unit_id is None:
        return has_perm(user, Perm.HANDLE_RED_TAPE)
    return has_perm(user, Perm.HANDLE_RED_TAPE, report.unit)


def handler_candidates(report: RedTapeReport) -> list:
    """Active users who may answer the report, to choose the responsible from."""
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.HANDLE_RED_TAPE in perms]
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role_grants__role__in=roles) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return [user for user in users if may_handle_report(user, report)]


# --- who reported: the anonymity engine decides which cells may be counted -----------


@dataclass
class ReporterCells:
    """Which reports a scope may count, decided once for the whole tree."""

    disclosure: Disclosure
    root_id: int | None
    paths: dict[int, str]
    # report id -> the unit it is counted in (its reporter's unit, or the root).
    home: dict[int, int]

    def cell(self, scope: Scope) -> int | None:
        return self.root_id if scope.everything else scope.unit_id

    def visible(self, scope: Scope) -> bool:
        cell = self.cell(scope)
        return cell is not None and self.disclosure.is_visible(cell)

    def reports_in(self, scope: Scope) -> set[int] | None:
        """The reports counted in the scope's cell; None where the cell is hidden."""
        if not self.visible(scope):
            return None
        excluded = self.disclosure.excluded
        prefix = "" if scope.everything else scope.path
        return {
            pk
            for pk, unit_id in self.home.items()
            if unit_id not in excluded and self.paths.get(unit_id, "").startswith(prefix)
        }


def unit_rows() -> list[tuple[int, int | None, str]]:
    """(id, parent id, path) of the active units, for `reporter_cells`."""
    return list(Unit.objects.filter(is_active=True).values_list("id", "parent_id", "path"))


def reporter_cells(
    reports: list[tuple[int, int | None, int | None]], *, units: list | None = None
) -> ReporterCells:
    """The anonymity decision for `reports`, given as (report id, unit id, reporter id).

    The people counted are the reporters, per unit: a person who reported twice
    counts once. Reports without a unit (anonymous ones, or from a unit no
    longer active) are counted at the top of the organisation, each as one
    person: nobody knows who sent them. A cell shows figures about its reports
    only when the engine shows it; those of excluded units are in no figure.
    """
    rows = unit_rows() if units is None else units
    paths = {uid: path for uid, _parent, path in rows}
    roots = sorted(
        (path.count("/"), uid)
        for uid, parent, path in rows
        if parent is None or parent not in paths
    )
    root_id = roots[0][1] if roots else None
    people: dict[int, set] = defaultdict(set)
    home: dict[int, int] = {}
    for pk, unit_id, reporter_id in reports:
        unit = unit_id if unit_id in paths else root_id
        if unit is None:
            continue
        anonymous = unit_id not in paths or reporter_id is None
        people[unit].add(("report", pk) if anonymous else ("person", reporter_id))
        home[pk] = unit
    disclosure = disclose_per_unit({uid: len(who) for uid, who in people.items()})
    return ReporterCells(disclosure=disclosure, root_id=root_id, paths=paths, home=home)


# --- the follow-ups offered to the overview ---------------------------------------------


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _report_followups(*, scope: Scope | None, owner_id: int | None, today: dt.date):
    reports = _open_or_recent(
        RedTapeReport.objects.select_related("assignee", "item", "unit"), "answered_on", today
    )
    if owner_id is not None:
        reports = reports.filter(assignee_id=owner_id)
        if scope is not None and not scope.everything:
            reports = reports.filter(unit__path__startswith=scope.path)
        reports = list(reports)
        allowed = {r.pk for r in reports}
        personal = True
    else:
        reports = list(reports)
        cells = reporter_cells([(r.pk, r.unit_id, r.reporter_id) for r in reports])
        allowed = cells.reports_in(scope or Scope()) or set()
        personal = False
    found = []
    for report in reports:
        if report.pk not in allowed:
            continue
        # The responsible sees the report's own title; a scope's list names only
        # the registered item, if any (the reporter's words stay in the queue).
        if personal:
            title = report.title
        elif report.item is not None:
            title = _("Red-tape report about %(item)s") % {"item": report.item.title}
        else:
            title = _("Red-tape report of %(date)s") % {
                "date": date_format(report.reported_on, "j. F Y")
            }
        found.append(
            FollowUp(
                kind=KIND_RED_TAPE,
                kind_label=_("Red-tape report"),
                title=title,
                url=reverse("governance:queue_report", args=[report.pk]),
                due_on=report.due_on,
                owner_id=report.assignee_id,
                owner_name=_name(report.assignee),
                unit_id=report.unit_id if personal else None,
                done=report.answered_on is not None,
                done_on=report.answered_on,
            )
        )
    return found


def items_touching(scope: Scope, item_ids=None) -> set[int]:
    """Items that bind people in the scope: a bound unit inside it, or above it."""
    rows = Item.units.through.objects.all()
    if item_ids is not None:
        rows = rows.filter(item_id__in=list(item_ids))
    if scope.everything:
        return set(rows.values_list("item_id", flat=True))
    above = [int(p) for p in scope.path.strip("/").split("/") if p]
    return set(
        rows.filter(Q(unit__path__startswith=scope.path) | Q(unit_id__in=above)).values_list(
            "item_id", flat=True
        )
    )


def _decision_followups(*, scope: Scope | None, owner_id: int | None, today: dt.date):
    reviews = (
        Review.objects.filter(
            Q(status=ReviewStatus.DECIDED, decided_on__isnull=False)
            | Q(status=ReviewStatus.ESCALATED)
        )
        .exclude(follow_up_on__isnull=True)
        .select_related("item", "opened_by")
    )
    reviews = _open_or_recent(reviews, "followed_up_on", today)
    if owner_id is not None:
        reviews = reviews.filter(opened_by_id=owner_id)
    reviews = list(reviews)
    if scope is not None and not scope.everything:
        touching = items_touching(scope, {r.item_id for r in reviews})
        reviews = [r for r in reviews if r.item_id in touching]
    found = []
    for review in reviews:
        escalated = review.status == ReviewStatus.ESCALATED
        done = review.followed_up_on is not None and (
            not escalated or review.escalation_answer not in ("", EscalationAnswer.WAITING)
        )
        found.append(
            FollowUp(
                kind=KIND_ESCALATION if escalated else KIND_DECISION,
                kind_label=(
                    _("Escalation waiting for an answer")
                    if escalated
                    else _("Follow-up on a decision")
                ),
                title=review.item.title,
                url=reverse("governance:review_follow_up", args=[review.pk]),
                due_on=review.follow_up_on,
                owner_id=review.opened_by_id,
                owner_name=_name(review.opened_by),
                done=done,
                done_on=review.followed_up_on if done else None,
            )
        )
    return found


def followups(*, scope: Scope | None, owner_id: int | None, today: dt.date) -> list[FollowUp]:
    """Red-tape reports owed an answer and decisions owed a follow-up, open or just closed."""
    found = _report_followups(scope=scope, owner_id=owner_id, today=today)
    found += _decision_followups(scope=scope, owner_id=owner_id, today=today)
    found.sort(key=lambda f: (f.done, f.due_on or dt.date.max, f.title))
    return found
