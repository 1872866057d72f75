"""The governance register (styringsløget) and what happens to its items.

Concepts and their sources: governance as fences on professional discretion
that bound risks and secure values, hard/soft and formal/informal, the layers
of the governance onion (Bentzen 2018, 2025); the four F's of co-created
governance and documentation neutrality (Bentzen 2018: 66, 136); the
Meningssamling (Bentzen 2018). Burden follows the Standard Cost Model:
minutes per occurrence × occurrences per person per year × people bound.

No burden in hours or DKK is stored anywhere: `tillid.governance.burden`
derives it from the activity parameters below and the current headcount.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from tillid.organisation.models import KLENumber, Person, Unit


class Kind(models.TextChoices):
    LAW = "law", _("Law or rule")
    INSPECTION = "inspection", _("Inspection")
    DOCUMENTATION = "documentation", _("Documentation requirement")
    FINANCIAL = "financial", _("Financial control")
    KPI = "kpi", _("Goal or KPI")
    STRATEGY = "strategy", _("Strategy or policy")
    PROCEDURE = "procedure", _("Procedure or instruction")
    VALUE = "value", _("Value")
    PROFESSIONAL_TOOL = "professional_tool", _("Professional tool")
    LOCAL_SYSTEM = "local_system", _("Local system")


class Layer(models.TextChoices):
    # From the outermost ring of the onion inwards (Bentzen 2018).
    STATE = "state", _("EU or state")
    COUNCIL = "council", _("Municipality (council)")
    ADMINISTRATION = "administration", _("Administration or area")
    INSTITUTION = "institution", _("Institution or team")
    SELF_IMPOSED = "self_imposed", _("Self-imposed")


class SecuredValue(models.TextChoices):
    LEGAL_CERTAINTY = "legal_certainty", _("Legal certainty")
    EQUAL_TREATMENT = "equal_treatment", _("Equal treatment")
    EFFICIENCY = "efficiency", _("Efficiency")
    PROFESSIONAL_QUALITY = "professional_quality", _("Professional quality")
    ECONOMY = "economy", _("Economy")
    WORK_ENVIRONMENT = "work_environment", _("Work environment")
    SAFETY = "safety", _("Safety")


class ItemStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ESCALATED = "escalated", _("Escalated to a higher layer")
    REMOVED = "removed", _("Removed")


class RoleGroup(models.TextChoices):
    # The central actors of co-created governance (Bentzen 2018: 127).
    POLITICIANS = "politicians", _("Politicians")
    ADMINISTRATION = "administration", _("Administration")
    PROFESSIONAL_LEADERS = "professional_leaders", _("Professional leaders")
    EMPLOYEES = "employees", _("Employees")
    MED_TR = "med_tr", _("MED/TR")


class EstimateBasis(models.TextChoices):
    ESTIMATE = "estimate", _("Estimate before the fact")
    MEASURED = "measured", _("Measured")


class Item(models.Model):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    layer = models.CharField(_("origin layer"), max_length=30, choices=Layer.choices)
    is_hard = models.BooleanField(_("hard governance"), default=True)
    is_formal = models.BooleanField(_("formal governance"), default=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    mandated_by_law = models.BooleanField(_("mandated by law"), default=False)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    units = models.ManyToManyField(
        Unit, verbose_name=_("bound units"), related_name="governance_items"
    )
    # The task area (KL's subject classification) the item belongs to.
    kle = models.ForeignKey(
        KLENumber,
        verbose_name=_("KLE task area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="governance_items",
    )
    risks = models.TextField(_("risks it bounds"), blank=True)
    values = models.JSONField(_("values it secures"), default=list, blank=True)
    introduced_on = models.DateField(_("introduced"))
    controls = models.ForeignKey(
        "self",
        verbose_name=_("controls"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="controlled_by",
    )
    # The item's own estimate, used when it has no current activities.
    minutes_per_occurrence = models.DecimalField(
        _("minutes per occurrence"), max_digits=9, decimal_places=2, default=0
    )
    occurrences_per_year = models.DecimalField(
        _("occurrences per person per year"), max_digits=10, decimal_places=2, default=0
    )
    basis = models.CharField(
        _("basis of the estimate"),
        max_length=20,
        choices=EstimateBasis.choices,
        default=EstimateBasis.ESTIMATE,
    )
    people_override = models.PositiveIntegerField(
        _("people bound (override)"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.ACTIVE
    )
    ended_on = models.DateField(_("inactive from"), null=True, blank=True)
    # Documentation neutrality: a new documentation requirement names the
    # item whose removal compensates, or says why none is removed.
    compensated_by = models.ForeignKey(
        "self",
        verbose_name=_("compensating removal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="compensates",
    )
    no_compensation_reason = models.TextField(_("reason for no compensation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[units])

    class Meta:
        ordering = ["title"]
        verbose_name = _("governance item")
        verbose_name_plural = _("governance items")
        indexes = [
            models.Index(fields=["status", "layer"]),
            models.Index(fields=["kind"]),
            models.Index(fields=["introduced_on"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status != ItemStatus.REMOVED

    def value_labels(self) -> list[str]:
        labels = dict(SecuredValue.choices)
        return [str(labels[v]) for v in self.values if v in labels]


class Activity(models.Model):
    """One step of an item's burden (Standard Cost Model): register, write, approve…"""

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="activities", verbose_name=_("governance item")
    )
    name = models.CharField(_("activity"), max_length=200)
    minutes_per_occurrence = models.DecimalField(
        _("minutes per occurrence"), max_digits=9, decimal_places=2
    )
    occurrences_per_year = models.DecimalField(
        _("occurrences per person per year"), max_digits=10, decimal_places=2
    )
    performed_by = models.CharField(
        _("who does it"), max_length=30, choices=RoleGroup.choices, default=RoleGroup.EMPLOYEES
    )
    basis = models.CharField(
        _("basis of the estimate"),
        max_length=20,
        choices=EstimateBasis.choices,
        default=EstimateBasis.ESTIMATE,
    )
    # Set when a review decision replaced the activity; kept for the record.
    retired_on = models.DateField(_("replaced on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # An activity is part of its item's burden: its changes show in the item's history.
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """One person's rating of one item on the four questions (Bentzen 2025).

    The respondent is stored only as a keyed hash of (item, person), so the
    one-per-person rule holds while no page, export or query can tell who
    answered. No timestamps: a date could point to a person.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="assessments")
    respondent_key = models.CharField(max_length=64)
    professional = models.PositiveSmallIntegerField()
    learning = models.PositiveSmallIntegerField()
    involving = models.PositiveSmallIntegerField()
    meaningful = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "respondent_key"], name="one_assessment_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(professional__gte=1, professional__lte=5)
                & models.Q(learning__gte=1, learning__lte=5)
                & models.Q(involving__gte=1, involving__lte=5)
                & models.Q(meaningful__gte=1, meaningful__lte=5),
                name="assessment_scale_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.meaningful}"


class MeaningRelease(models.Model):
    """The published figures of an item's assessments, renewed in batches.

    Assessments arrive and change one at a time; a figure that followed each
    of them would give away the latest answer to whoever looked before and
    after (tillid.core.anonymity.batch_release). The means are renewed when k
    or more distinct people have answered or changed their answer since the
    last renewal, the comments when the comment threshold has. The pending
    lists hold the same keyed hashes as Assessment.respondent_key, no names.
    """

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="meaning_release")
    respondents = models.PositiveIntegerField(default=0)
    professional = models.FloatField(null=True)
    learning = models.FloatField(null=True)
    involving = models.FloatField(null=True)
    meaningful = models.FloatField(null=True)
    pending = models.JSONField(default=list)
    comments = models.JSONField(default=list)
    comments_released = models.BooleanField(default=False)
    comment_pending = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.item_id}: {self.respondents}"


class ReviewStatus(models.TextChoices):
    EXPLORING = "exploring", _("Exploring the challenge")
    DESIGNING = "designing", _("Shaping a solution")
    DECIDING = "deciding", _("Ready for decision")
    DECIDED = "decided", _("Decided")
    ESCALATED = "escalated", _("Escalated")


OPEN_REVIEW_STATUSES = (ReviewStatus.EXPLORING, ReviewStatus.DESIGNING, ReviewStatus.DECIDING)


class Decision(models.TextChoices):
    # The four F's (Bentzen 2018: 66).
    # A context keeps these apart from other apps' "Remove" or "Change".
    REMOVE = "remove", pgettext_lazy("four F decision", "Remove")
    CHANGE = "change", pgettext_lazy("four F decision", "Change")
    KEEP = "keep", pgettext_lazy("four F decision", "Keep")
    ANCHOR = "anchor", pgettext_lazy("four F decision", "Anchor")


class FollowUpVerdict(models.TextChoices):
    # Was the burden really freed, did the change work (Bentzen 2018: 66)?
    WORKED = "worked", _("It worked as decided")
    PARTLY = "partly", _("It worked in part")
    DID_NOT_WORK = "did_not_work", _("It did not work")


class EscalationAnswer(models.TextChoices):
    WAITING = "waiting", _("Waiting for an answer")
    GRANTED = "granted", _("Granted: the item is removed")
    REFUSED = "refused", _("Refused: the item stays")


class Review(models.Model):
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("governance item")
    )
    purpose = models.TextField(_("what the review should clarify"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.EXPLORING
    )
    stake_groups = models.JSONField(_("groups with a stake"), default=list)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    escalated_to = models.CharField(
        _("escalated to"), max_length=30, choices=Layer.choices, blank=True
    )
    # The item's minutes per person per year just before and after the
    # decision: the parameters of the change, from which the balance derives
    # hours with the current headcount.
    minutes_before = models.DecimalField(
        _("minutes per person a year before the decision"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    minutes_after = models.DecimalField(
        _("minutes per person a year after the decision"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # The follow-up loop: a decision is looked at again (was the burden really
    # freed, did the change work?) by the facilitator who opened the review.
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    follow_up_verdict = models.CharField(
        _("verdict at the follow-up"), max_length=20, choices=FollowUpVerdict.choices, blank=True
    )
    follow_up_note = models.TextField(_("what the follow-up found"), blank=True)
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("followed up by"),
    )
    # An escalation waits for the higher layer's answer.
    escalation_answer = models.CharField(
        _("answer from the higher layer"),
        max_length=20,
        choices=EscalationAnswer.choices,
        blank=True,
    )
    escalation_answered_on = models.DateField(_("answered on"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return str(_("Review of %(title)s") % {"title": self.item.title})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVIEW_STATUSES


class Participant(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="participants")
    role_group = models.CharField(_("role group"), max_length=30, choices=RoleGroup.choices)
    name = models.CharField(_("name or function"), max_length=200)
    # Someone from the organisation, when the facilitator looked them up (they
    # then find the review on their own page); empty for someone from outside.
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_participations",
    )
    # The review's status when the participant was involved: early or late.
    joined_status = models.CharField(max_length=20, choices=ReviewStatus.choices)
    joined_on = models.DateField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_early(self) -> bool:
        return self.joined_status == ReviewStatus.EXPLORING


class ReviewNote(models.Model):
    """The dialogue log of a review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="notes")
    role_group = models.CharField(
        _("from role group"), max_length=30, choices=RoleGroup.choices, blank=True
    )
    text = models.TextField(_("note"))
    status = models.CharField(max_length=20, choices=ReviewStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class BalanceBaseline(models.Model):
    """The date from which documentation neutrality is counted (latest row wins)."""

    baseline_on = models.DateField(_("baseline date"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.baseline_on.isoformat()


class ReportStatus(models.TextChoices):
    NEW = "new", _("New")
    EXAMINING = "examining", _("Being examined")
    RECOMMENDED = "recommended", _("Recommended to top management")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


class RedTapeReport(models.Model):
    """A "bøvl" report for the Meningssamling (Bentzen 2018).

    An anonymous report keeps no link to its reporter: `reporter` and `unit`
    stay empty and only a hash of the private follow-up code is stored.
    """

    item = models.ForeignKey(
        Item,
        verbose_name=_("registered item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="red_tape_reports",
    )
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="red_tape_reports"
    )
    title = models.CharField(_("what is it about?"), max_length=200)
    description = models.TextField(_("what makes no sense"))
    minutes_per_week = models.PositiveIntegerField(
        _("minutes it costs you per week"), null=True, blank=True
    )
    suggestion = models.TextField(_("suggestion"), blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="red_tape_reports"
    )
    follow_up_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.NEW
    )
    answer = models.TextField(_("answer to the reporter"), blank=True)
    reporter_reply = models.TextField(_("reply from the reporter"), blank=True)
    # Dates only: a timestamp could point to an anonymous reporter.
    reported_on = models.DateField()
    status_changed_on = models.DateField(null=True, blank=True)
    # The follow-up loop: who owes the reporter an answer, by when (the promise,
    # settings.TILLID_RED_TAPE_PROMISE_DAYS after the report), and when it came.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("answer due"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = _("red-tape report")
        verbose_name_plural = _("red-tape reports")

    def __str__(self) -> str:
        return self.title


class RedTapeNote(models.Model):
    """An internal note on a report: for the Meningssamling, never shown to the reporter."""

    report = models.ForeignKey(RedTapeReport, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("internal note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return self.text[:50]


class BurdenStamp(models.Model):
    """One row whose token changes whenever the data behind a burden changes.

    Database triggers (migration 0002) give it a new random token on every
    write to items, activities, bound units, units and people, whether made
    through the ORM, in bulk or by hand. A reader holding burden inputs
    computed under a token knows they are current while the token is the
    same; nothing derived is kept in the database itself. A random token, not
    a counter: a rolled-back write can never bring back a token already seen.
    The price: on PostgreSQL, transactions writing these tables wait for each
    other on this row until commit (an organisation import holds it for its
    few seconds); such writes are rare next to reads.
    """

    token = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("burden stamp")
        verbose_name_plural = _("burden stamps")

    def __str__(self) -> str:
        return self.token
