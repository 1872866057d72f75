"""Trial actions (prøvehandlinger) and trust tests.

A trial is a small, bounded experiment that answers one question (Middelfart's
elder-care practice as described by Bentzen 2024, seed 002). A trust test is a
trial of a special kind: a suitably risky occasion to exercise trust, one step
up the trust ladder for a person or a team (Bentzen 2018; seed 000).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tillid.organisation.models import Person, Unit


class TrialKind(models.TextChoices):
    TRIAL = "trial", _("Trial action")
    TRUST_TEST = "trust_test", _("Trust test")


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    APPROVED = "approved", _("Approved to try")
    RUNNING = "running", _("Running")
    EVALUATED = "evaluated", _("Evaluated")
    SPREADING = "spreading", _("Spreading")
    STOPPED = "stopped", _("Stopped")


class Origin(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    CITIZEN = "citizen", _("Citizen")
    RELATIVE = "relative", _("Relative")
    LEADER = "leader", _("Leader")


class Area(models.TextChoices):
    COORDINATION = "coordination", _("Coordination around the citizen")
    SELF_DETERMINATION = "self_determination", _("The citizen's self-determination")
    RELATIVES = "relatives", _("Cooperation with relatives")
    CIVIL_SOCIETY = "civil_society", _("Civil society and volunteers")
    DOCUMENTATION = "documentation", _("Documentation and registration")
    WORK_ORGANISATION = "work_organisation", _("Planning and work organisation")
    LEADERSHIP = "leadership", _("Leadership and trust")


class ParticipantKind(models.TextChoices):
    EMPLOYEES = "employees", _("Employees")
    CITIZENS = "citizens", _("Citizens")
    RELATIVES = "relatives", _("Relatives")
    VOLUNTEERS = "volunteers", _("Volunteers")
    ASSOCIATIONS = "associations", _("Associations")


class GovernanceEffect(models.TextChoices):
    SUSPENDS = "suspends", _("Suspended during the trial")
    CHANGES = "changes", _("Changed during the trial")


class Risk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Moderate")
    HIGH = "high", _("High")


class TrustOutcome(models.TextChoices):
    HELD = "held", _("Trust held")
    PARTLY = "partly", _("Held in part")
    NOT_HELD = "not_held", _("Trust did not hold")


class Trial(models.Model):
    kind = models.CharField(
        _("kind"), max_length=20, choices=TrialKind.choices, default=TrialKind.TRIAL
    )
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question the trial answers"))
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="trials"
    )
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_trials",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin = models.CharField(
        _("where the idea came from"),
        max_length=20,
        choices=Origin.choices,
        default=Origin.EMPLOYEE,
    )
    area = models.CharField(
        _("area"), max_length=30, choices=Area.choices, default=Area.COORDINATION
    )
    participant_kinds = models.JSONField(_("who takes part"), default=list, blank=True)
    participants_note = models.TextField(_("participants, in more detail"), blank=True)
    success_criteria = models.TextField(_("success criteria"), blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.IDEA)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of trial"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    # Trust tests only: who is trusted with what, how far up the ladder.
    subject_person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trust_tests",
    )
    subject_unit = models.ForeignKey(
        Unit,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trust_tests",
    )
    trust_task = models.CharField(_("task"), max_length=200, blank=True)
    step_from = models.PositiveSmallIntegerField(_("from step"), null=True, blank=True)
    step_to = models.PositiveSmallIntegerField(_("to step"), null=True, blank=True)
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices, blank=True)
    risk_note = models.TextField(_("the risk, in words"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=TrustOutcome.choices, blank=True
    )
    outcome_note = models.TextField(_("what happened"), blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The follow-up loop: when the evaluation and the decision to spread or stop
    # are due, where they differ from the rules (rules.evaluation_due and decision_due).
    evaluation_due_on = models.DateField(_("evaluation due"), null=True, blank=True)
    decision_due_on = models.DateField(_("decision to spread or stop due"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("trial action")
        verbose_name_plural = _("trial actions")
        indexes = [
            models.Index(fields=["stage", "kind"]),
            models.Index(fields=["area"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_trust_test(self) -> bool:
        return self.kind == TrialKind.TRUST_TEST

    @property
    def participant_labels(self) -> list[str]:
        labels = dict(ParticipantKind.choices)
        return [str(labels[k]) for k in self.participant_kinds if k in labels]


class StageChange(models.Model):
    """One move between stages; a send-back carries its reason."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    is_send_back = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_stage or '–'} → {self.to_stage}"


class StageTask(models.Model):
    """Something the owner must do in a stage, with a due date."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="tasks")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    title = models.CharField(_("task"), max_length=200)
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Milestone(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ObservationKind(models.TextChoices):
    EFFECT = "effect", _("Effect")
    PROCESS = "process", _("Process")


class Observation(models.Model):
    """What the team noticed while the trial ran: its effect or its process."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="observations")
    kind = models.CharField(_("about"), max_length=10, choices=ObservationKind.choices)
    text = models.TextField(_("observation"))
    observed_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-observed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:50]}"


class CriteriaMet(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class Evaluation(models.Model):
    trial = models.OneToOneField(Trial, on_delete=models.CASCADE, related_name="evaluation")
    what_worked = models.TextField(_("what worked"))
    what_did_not = models.TextField(_("what did not work"), blank=True)
    evidence = models.TextField(_("evidence"))
    criteria_met = models.CharField(
        _("were the success criteria met?"), max_length=10, choices=CriteriaMet.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.trial}"


class Adoption(models.Model):
    """Another unit takes up a trial that worked: the spread, counted."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="adoptions")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT)
    note = models.TextField(_("how the unit will use it"), blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    adopted_on = models.DateField()

    class Meta:
        ordering = ["adopted_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "unit"], name="one_adoption_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.trial} · {self.unit}"


class GovernanceLink(models.Model):
    """A governance item the trial suspends or changes while it runs.

    The item lives in the governance register; this app keeps only its id and
    a cached title (apps meet through selectors, not models). The register
    asks `selectors.exemptions_for_item(item_id)` to show the exemption.
    """

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="governance_links")
    governance_item_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    title = models.CharField(_("governance"), max_length=300)
    effect = models.CharField(_("effect"), max_length=20, choices=GovernanceEffect.choices)
    note = models.TextField(_("what changes"), blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title
