"""Reads for delegation. Callers check `access` first; reads of records are logged by the views."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from tillid.core import contracts
from tillid.delegation.access import Subject, managed_people_q, managed_units_q, person_of
from tillid.delegation.ladder import Step
from tillid.delegation.models import Breach, BreachOutcome, Dosing, RecordRead
from tillid.organisation.models import Person, Unit
from tillid.organisation.permissions import Perm, scope_for
from tillid.organisation.selectors import disclose_per_unit


def _subject_q(subject: Subject, prefix: str = "") -> Q:
    if subject.person is not None:
        return Q(**{f"{prefix}subject_person": subject.person})
    return Q(**{f"{prefix}subject_unit": subject.team, f"{prefix}subject_person__isnull": True})


def dosings_for(subject: Subject) -> QuerySet[Dosing]:
    return (
        Dosing.objects.filter(_subject_q(subject), anonymised_at__isnull=True)
        .select_related("decided_by", "subject_person", "subject_unit")
        .order_by("created_at", "pk")
    )


def breaches_for(subject: Subject) -> QuerySet[Breach]:
    return (
        Breach.objects.filter(_subject_q(subject, "dosing__"), anonymised_at__isnull=True)
        .select_related("dosing", "adjusted_dosing")
        .order_by("-happened_on", "-pk")
    )


def latest_dosing(subject: Subject, task: str | None = None) -> Dosing | None:
    qs = dosings_for(subject)
    if task:
        qs = qs.filter(task=task)
    return qs.order_by("-created_at", "-pk").first()


def current_by_task(dosings: list[Dosing]) -> list[Dosing]:
    """The dosing in force per task (the newest of each), given dosings oldest first."""
    current: dict[str, Dosing] = {}
    for d in dosings:
        current[d.task] = d
    return sorted(current.values(), key=lambda d: (d.task.lower(), d.pk))


@dataclass(frozen=True)
class HistoryRow:
    date: object
    kind: str
    task: str
    step: int | None
    step_label: str
    note: str
    url: str


def history(subject: Subject) -> list[HistoryRow]:
    """Dosings, trust tests and breaches in one timeline, oldest first."""
    rows = []
    for d in dosings_for(subject):
        rows.append(
            HistoryRow(
                date=d.created_at.date(),
                kind=str(d.get_source_display()),
                task=d.task,
                step=d.chosen_step,
                step_label=str(Step(d.chosen_step).label),
                note=d.reason,
                url=reverse("delegation:dosing", args=[d.pk]),
            )
        )
    for t in trust_tests(subject):
        rows.append(
            HistoryRow(
                date=(t.start_date or t.created_at.date()),
                kind=str(_("Trust test")),
                task=t.trust_task,
                step=t.step_to,
                step_label=str(Step(t.step_to).label) if t.step_to else "",
                note=str(t.get_outcome_display()) if t.outcome else str(_("Outcome not recorded")),
                url=reverse("trials:detail", args=[t.pk]),
            )
        )
    for b in breaches_for(subject):
        rows.append(
            HistoryRow(
                date=b.happened_on,
                kind=str(_("Breach")),
                task=b.dosing.task,
                step=None,
                step_label="",
                note=str(b.get_outcome_display()),
                url=reverse("delegation:breach", args=[b.pk]),
            )
        )
    return sorted(rows, key=lambda r: (r.date, r.kind))


def trust_tests(subject: Subject) -> QuerySet | list:
    """The subject's trust tests from trials (contract "delegation.trust_tests_for")."""
    tests = contracts.call(
        "delegation.trust_tests_for", person=subject.person, unit=subject.team, default=None
    )
    return [] if tests is None else tests.filter(anonymised_at__isnull=True)


def read_log(subject: Subject) -> QuerySet[RecordRead]:
    if subject.person is not None:
        return RecordRead.objects.filter(subject_person=subject.person)
    return RecordRead.objects.filter(subject_unit=subject.team, subject_person__isnull=True)


def all_reads() -> QuerySet[RecordRead]:
    return RecordRead.objects.select_related("subject_person", "subject_unit")


@dataclass
class OverviewRow:
    subject: Subject
    latest: Dosing | None
    review_due: bool
    url: str


def overview(user, *, query: str = "") -> QuerySet[Person]:
    """People the leader doses trust for, with their latest dosing (annotated)."""
    qs = (
        Person.objects.filter(is_active=True)
        .filter(managed_people_q(user))
        .select_related("unit")
        .annotate(
            last_dosed=Max("dosings__created_at", filter=Q(dosings__anonymised_at__isnull=True))
        )
    )
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("unit__path", "name")


def managed_teams(user) -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).filter(managed_units_q(user)).order_by("path")


def latest_steps(people: list[Person]) -> dict[int, Dosing]:
    """The newest dosing per person (any task), for the overview page."""
    latest: dict[int, Dosing] = {}
    for d in Dosing.objects.filter(subject_person__in=people, anonymised_at__isnull=True).order_by(
        "created_at", "pk"
    ):
        if d.subject_person_id is not None:
            latest[d.subject_person_id] = d
    return latest


def reviews_due(user, *, before) -> QuerySet[Dosing]:
    return (
        Dosing.objects.filter(
            Q(subject_person__in=Person.objects.filter(managed_people_q(user)))
            | Q(subject_unit__in=Unit.objects.filter(managed_units_q(user))),
            anonymised_at__isnull=True,
            review_on__isnull=False,
            review_on__lte=before,
        )
        .select_related("subject_person", "subject_unit")
        .order_by("review_on")
    )


def shared_lessons(user) -> QuerySet[Breach]:
    """Lessons shared with a team: for the people of the unit the record belongs to and its leaders.

    Only the lesson and the month are shown; never who, what or the record.
    """
    q = Q(pk__in=[])
    person = person_of(user)
    if person is not None:
        q |= Q(dosing__unit=person.unit)
    manage = scope_for(user, Perm.MANAGE_DELEGATION)
    if not manage.nothing:
        q |= manage.unit_q("dosing__unit__")
    return (
        Breach.objects.filter(q, lesson_shared=True, anonymised_at__isnull=True)
        .exclude(lesson="")
        .only("lesson", "happened_on", "dosing__unit")
        .order_by("-happened_on", "-pk")
    )


def open_breaches(user) -> QuerySet[Breach]:
    return (
        Breach.objects.filter(
            Q(dosing__subject_person__in=Person.objects.filter(managed_people_q(user)))
            | Q(dosing__subject_unit__in=Unit.objects.filter(managed_units_q(user))),
            anonymised_at__isnull=True,
            outcome=BreachOutcome.OPEN,
        )
        .select_related("dosing__subject_person", "dosing__subject_unit")
        .order_by("-happened_on")
    )


def aggregate_steps(unit: Unit) -> list[dict]:
    """Current step per subject (latest dosing per person or team and task, the lowest
    of a subject's tasks), counted per step for the unit's subtree and each unit
    directly below it.

    Which cells show figures is decided by the anonymity engine once for the whole
    organisation (organisation.selectors.disclose_per_unit), so no page, API call
    or export shows a cell whose people could be worked out from other cells: a
    hidden cell has neither a total nor step counts. Within a shown cell (k or
    more subjects) every step count is shown, as any other figure of the group.
    """
    latest: dict[tuple, tuple[int, int]] = {}
    for subject_person, subject_unit, task, unit_id, step in (
        Dosing.objects.filter(anonymised_at__isnull=True, unit__is_active=True)
        .order_by("created_at", "pk")
        .values_list("subject_person_id", "subject_unit_id", "task", "unit_id", "chosen_step")
    ):
        latest[(subject_person, subject_unit, task)] = (unit_id, step)
    # Count subjects (people or teams), not tasks: one step per subject, the lowest.
    per_subject: dict[tuple, tuple[int, int]] = {}
    for (person_id, team_id, _task), (unit_id, step) in latest.items():
        key = (person_id, team_id)
        if key not in per_subject or step < per_subject[key][1]:
            per_subject[key] = (unit_id, step)
    direct: dict[int, int] = defaultdict(int)
    for unit_id, _step in per_subject.values():
        direct[unit_id] += 1
    disclosure = disclose_per_unit(dict(direct))
    children = list(Unit.objects.filter(parent=unit, is_active=True).order_by("name"))
    paths = dict(
        Unit.objects.filter(pk__in={u for u, _s in per_subject.values()}).values_list("id", "path")
    )

    def group(u: Unit) -> dict:
        total = disclosure.shown_count(u.pk)
        if total is None:
            return {
                "unit_id": u.pk,
                "unit_name": u.name,
                "suppressed": True,
                "total": None,
                "steps": None,
            }
        steps = dict.fromkeys(range(1, 6), 0)
        for unit_id, step in per_subject.values():
            if unit_id not in disclosure.excluded and paths[unit_id].startswith(u.path):
                steps[step] += 1
        return {
            "unit_id": u.pk,
            "unit_name": u.name,
            "suppressed": False,
            "total": total,
            "steps": {str(s): n for s, n in steps.items()},
        }

    return [group(unit), *(group(child) for child in children)]


def hr_people(user, *, query: str = "") -> QuerySet[Person]:
    """People whose records HR may read (for finding a person on request)."""
    scope = scope_for(user, Perm.VIEW_DELEGATION_RECORDS)
    qs = Person.objects.filter(is_active=True).filter(scope.unit_q("unit__")).select_related("unit")
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("name", "pk")
