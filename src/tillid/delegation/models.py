"""Trust dosing, breaches and repair: personal data about named people.

Who may read these records is decided in `access.py`; every read is logged
in `RecordRead`; records are anonymised after the retention period
(settings.TILLID_DELEGATION_RETENTION_MONTHS, see `services.anonymise_expired`).
Each dosing is a new row, so the rows themselves are the history of how
trust grew and shrank; no separate audit history keeps personal copies.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tillid.delegation.ladder import Consequence, Rating, Reversibility, Step
from tillid.organisation.models import Person, Unit


class DosingSource(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    REVIEW = "review", pgettext_lazy("dosing source", "Review")
    AFTER_BREACH = "after_breach", _("Adjusted after a breach")
    AFTER_TRUST_TEST = "after_trust_test", _("Adjusted after a trust test")


class Dosing(models.Model):
    subject_person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dosings",
    )
    subject_unit = models.ForeignKey(
        Unit,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="team_dosings",
    )
    # The unit the record belongs to (the person's unit when it was made);
    # kept after anonymisation for the aggregate figures.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    task = models.CharField(_("task"), max_length=200)
    competence = models.PositiveSmallIntegerField(_("competence"), choices=Rating.choices)
    intention = models.PositiveSmallIntegerField(_("intention"), choices=Rating.choices)
    resources = models.PositiveSmallIntegerField(_("resources"), choices=Rating.choices)
    consequence = models.PositiveSmallIntegerField(
        _("consequence if it goes wrong"), choices=Consequence.choices
    )
    reversibility = models.PositiveSmallIntegerField(
        _("can it be undone?"), choices=Reversibility.choices
    )
    suggested_step = models.PositiveSmallIntegerField(_("suggested step"), choices=Step.choices)
    chosen_step = models.PositiveSmallIntegerField(_("chosen step"), choices=Step.choices)
    reason = models.TextField(_("reason for the choice"), blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    source = models.CharField(
        max_length=20, choices=DosingSource.choices, default=DosingSource.ASSESSMENT
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=False)
                | Q(subject_person__isnull=False, subject_unit__isnull=True)
                | Q(subject_person__isnull=True, subject_unit__isnull=False),
                name="dosing_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(chosen_step__gte=1, chosen_step__lte=5), name="dosing_step_range"
            ),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.task} · {self.chosen_step}"

    @property
    def subject_name(self) -> str:
        if self.subject_person_id:
            return self.subject_person.name
        if self.subject_unit_id:
            return self.subject_unit.name
        return str(_("Anonymised"))


class BreachOutcome(models.TextChoices):
    OPEN = "open", _("Repair under way")
    REPAIRED = "repaired", _("Repaired")
    STRENGTHENED = "strengthened", _("Trust strengthened")
    FRAGILE = "fragile", _("Still fragile")
    HR = "hr", _("Referred to the HR process")


class Breach(models.Model):
    """A breach of trust and its repair, read as learning (Bentzen 2018, seed 000)."""

    dosing = models.ForeignKey(
        Dosing, verbose_name=_("dosing"), on_delete=models.PROTECT, related_name="breaches"
    )
    happened_on = models.DateField(_("when it happened"))
    what_happened = models.TextField(_("what happened"))
    cause_competence = models.BooleanField(_("competence was over-dosed"), default=False)
    cause_intention = models.BooleanField(_("intention or motivation was lacking"), default=False)
    cause_resources = models.BooleanField(_("frame or resources fell short"), default=False)
    cause_circumstances = models.BooleanField(_("circumstances changed"), default=False)
    bad_faith_suspected = models.BooleanField(_("deliberate bad faith is suspected"), default=False)
    shared_own_mistakes = models.BooleanField(
        _("the leader shared own mistakes and part in it"), default=False
    )
    explored_both_sides = models.BooleanField(
        _("both sides of the table were explored openly"), default=False
    )
    learning_over_blame = models.BooleanField(
        _("the talk was about learning, not blame"), default=False
    )
    automatic_reactions_noticed = models.BooleanField(
        _("automatic reactions were noticed and named"), default=False
    )
    repair_notes = models.TextField(_("notes on the repair"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=BreachOutcome.choices, default=BreachOutcome.OPEN
    )
    adjusted_dosing = models.ForeignKey(
        Dosing,
        verbose_name=_("adjusted dosing"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adjusts_breaches",
    )
    lesson = models.TextField(_("lesson for the team, without names"), blank=True)
    lesson_shared = models.BooleanField(_("share the lesson with the team"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-happened_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.happened_on} · {self.get_outcome_display()}"

    @property
    def causes(self) -> list[str]:
        fields = ("cause_competence", "cause_intention", "cause_resources", "cause_circumstances")
        return [str(self._meta.get_field(f).verbose_name) for f in fields if getattr(self, f)]

    @property
    def repair_steps(self) -> list[str]:
        fields = (
            "shared_own_mistakes",
            "explored_both_sides",
            "learning_over_blame",
            "automatic_reactions_noticed",
        )
        return [str(self._meta.get_field(f).verbose_name) for f in fields if getattr(self, f)]


class ReadKind(models.TextChoices):
    DOSING = "dosing", _("Dosing")
    BREACH = "breach", _("Breach")
    TRUST_TEST = "trust_test", _("Trust test")
    EXPORT = "export", _("Export of all records")


class RecordRead(models.Model):
    """Who read which record, when: shown to the person and to HR."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reader_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ReadKind.choices)
    record_id = models.PositiveIntegerField(null=True)
    subject_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-read_at", "-pk"]
        indexes = [models.Index(fields=["subject_person", "read_at"])]

    def __str__(self) -> str:
        return f"{self.reader_name} · {self.kind} {self.record_id}"
