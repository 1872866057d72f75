"""Writes for delegation: dosings, breaches and repair, read logs, anonymisation.

Keyword-only functions, one transaction each, validating before writing.
Permission checks belong to the caller (views, API) via `access`.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core import contracts
from tillid.delegation.access import Subject
from tillid.delegation.ladder import suggest_step
from tillid.delegation.models import (
    Breach,
    BreachOutcome,
    Dosing,
    DosingSource,
    ReadKind,
    RecordRead,
)


def retention_months() -> int:
    return int(getattr(settings, "TILLID_DELEGATION_RETENTION_MONTHS", 24))


@transaction.atomic
def record_dosing(
    *,
    subject: Subject,
    task: str,
    competence: int,
    intention: int,
    resources: int,
    consequence: int,
    reversibility: int,
    chosen_step: int,
    decided_by,
    reason: str = "",
    review_on: dt.date | None = None,
    source: str = DosingSource.ASSESSMENT,
    previous: Dosing | None = None,
    breach: Breach | None = None,
    created_at: dt.datetime | None = None,
) -> Dosing:
    """The leader's dosing: the suggestion is computed here, the choice is the leader's."""
    if not task.strip():
        raise ValidationError(_("Name the task the dosing concerns."))
    if chosen_step not in range(1, 6):
        raise ValidationError(_("Choose a step from 1 to 5."))
    suggestion = suggest_step(
        competence=competence,
        intention=intention,
        resources=resources,
        consequence=consequence,
        reversibility=reversibility,
    )
    reason = reason.strip()
    if chosen_step != suggestion.step and not reason:
        raise ValidationError(_("You chose a different step than the suggested one; write why."))
    now = created_at or timezone.now()
    if review_on is not None and review_on < now.date():
        raise ValidationError(_("The review date cannot be in the past."))
    if breach is not None:
        same = (
            breach.dosing.subject_person_id == subject.person.pk
            if subject.person is not None
            else breach.dosing.subject_unit_id == subject.unit.pk
        )
        if not same:
            raise ValidationError(_("The adjusted dosing must concern the same person or team."))
        source = DosingSource.AFTER_BREACH
        previous = breach.dosing
    dosing = Dosing.objects.create(
        subject_person=subject.person,
        subject_unit=subject.team if subject.person is None else None,
        unit=subject.unit,
        task=task.strip()[:200],
        competence=competence,
        intention=intention,
        resources=resources,
        consequence=consequence,
        reversibility=reversibility,
        suggested_step=suggestion.step,
        chosen_step=chosen_step,
        reason=reason,
        review_on=review_on,
        source=source,
        previous=previous,
        decided_by=decided_by,
        created_at=now,
    )
    if breach is not None:
        Breach.objects.filter(pk=breach.pk).update(adjusted_dosing=dosing)
    return dosing


REPAIR_FIELDS = (
    "shared_own_mistakes",
    "explored_both_sides",
    "learning_over_blame",
    "automatic_reactions_noticed",
)
CAUSE_FIELDS = ("cause_competence", "cause_intention", "cause_resources", "cause_circumstances")


@transaction.atomic
def record_breach(
    *,
    dosing: Dosing,
    happened_on: dt.date,
    what_happened: str,
    causes: dict[str, bool],
    bad_faith_suspected: bool,
    recorded_by,
) -> Breach:
    if not what_happened.strip():
        raise ValidationError(_("Describe what happened."))
    if happened_on > timezone.localdate():
        raise ValidationError(_("A breach cannot be dated in the future."))
    if dosing.anonymised_at is not None:
        raise ValidationError(_("The dosing has been anonymised."))
    if not bad_faith_suspected and not any(causes.get(f) for f in CAUSE_FIELDS):
        raise ValidationError(
            _(
                "Choose at least one cause: competence, intention, resources or changed "
                "circumstances."
            )
        )
    return Breach.objects.create(
        dosing=dosing,
        happened_on=happened_on,
        what_happened=what_happened.strip(),
        bad_faith_suspected=bad_faith_suspected,
        outcome=BreachOutcome.HR if bad_faith_suspected else BreachOutcome.OPEN,
        recorded_by=recorded_by,
        **{f: bool(causes.get(f)) for f in CAUSE_FIELDS},
    )


@transaction.atomic
def record_repair(
    *,
    breach: Breach,
    steps: dict[str, bool],
    repair_notes: str,
    outcome: str,
    lesson: str = "",
    lesson_shared: bool = False,
) -> Breach:
    """The learning track. A breach in suspected bad faith has left it for the HR process."""
    if breach.bad_faith_suspected:
        raise ValidationError(
            _("Bad faith is suspected: the breach is handled in the HR process, not here.")
        )
    if outcome not in (
        BreachOutcome.OPEN,
        BreachOutcome.REPAIRED,
        BreachOutcome.STRENGTHENED,
        BreachOutcome.FRAGILE,
    ):
        raise ValidationError(_("Choose an outcome of the repair."))
    lesson = lesson.strip()
    if lesson_shared and not lesson:
        raise ValidationError(_("Write the lesson before sharing it with the team."))
    for field in REPAIR_FIELDS:
        setattr(breach, field, bool(steps.get(field)))
    breach.repair_notes = repair_notes.strip()
    breach.outcome = outcome
    breach.lesson = lesson
    breach.lesson_shared = lesson_shared
    breach.save()
    return breach


@transaction.atomic
def log_reads(*, reader, kind: str, records: list, subject: Subject) -> int:
    """Log one read per record shown (or one for an export)."""
    name = (reader.get_full_name() or reader.get_username())[:200]
    rows = [
        RecordRead(
            reader=reader,
            reader_name=name,
            kind=kind,
            record_id=getattr(record, "pk", None),
            subject_person=subject.person,
            subject_unit=subject.team if subject.person is None else None,
        )
        for record in records
    ]
    RecordRead.objects.bulk_create(rows)
    return len(rows)


def log_trust_test_read(*, trial, reader) -> None:
    """For trials (contract "trials.log_trust_test_read"): a trust test about a
    person was shown, so it goes into the person's read log like any other read."""
    if trial.subject_person is None:
        return
    log_reads(
        reader=reader,
        kind=ReadKind.TRUST_TEST,
        records=[trial],
        subject=Subject(person=trial.subject_person),
    )


def log_export(*, reader, subject: Subject) -> None:
    log_reads(reader=reader, kind=ReadKind.EXPORT, records=[None], subject=subject)


def _months_ago(now: dt.datetime, months: int) -> dt.datetime:
    year, month = divmod(now.month - 1 - months, 12)
    year += now.year
    month += 1
    day = min(now.day, 28)
    return now.replace(year=year, month=month, day=day)


@transaction.atomic
def anonymise_expired(*, now: dt.datetime | None = None, months: int | None = None) -> dict:
    """Strip names and free text from records older than the retention period.

    The ratings, steps, unit and dates stay, for the aggregate figures; the
    read log of the anonymised period is deleted; trust tests in the trials
    app are anonymised on the same terms.
    """
    now = now or timezone.now()
    cutoff = _months_ago(now, retention_months() if months is None else months)
    breaches = Breach.objects.filter(created_at__lt=cutoff, anonymised_at__isnull=True)
    breach_count = breaches.update(
        what_happened="",
        repair_notes="",
        lesson="",
        lesson_shared=False,
        recorded_by=None,
        anonymised_at=now,
    )
    dosings = Dosing.objects.filter(created_at__lt=cutoff, anonymised_at__isnull=True)
    # A dosing goes only once every breach about it has gone too.
    dosings = dosings.exclude(
        pk__in=Breach.objects.filter(anonymised_at__isnull=True).values("dosing_id")
    )
    dosing_count = dosings.update(
        subject_person=None,
        subject_unit=None,
        task="",
        reason="",
        decided_by=None,
        anonymised_at=now,
    )
    reads = RecordRead.objects.filter(read_at__lt=cutoff).delete()[0]
    trust_tests = contracts.call(
        "delegation.anonymise_trust_tests", created_before=cutoff, default=0
    )
    return {
        "dosings": dosing_count,
        "breaches": breach_count,
        "reads": reads,
        "trust_tests": trust_tests,
    }
