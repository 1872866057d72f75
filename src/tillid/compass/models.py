"""The trust compass: instruments as data, survey rounds, anonymous responses.

Anonymity is built into the tables (DESIGN.md, "Anonymity rules"):
a `Response` has no foreign key to an `Invitation` or a person, a random
UUID as its key (so insertion order says nothing) and only the date it was
given. An invitation records only that it has been used.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tillid.organisation.models import Person, Unit


def _localised(obj, field: str) -> str:
    lang = (get_language() or "da")[:2]
    return getattr(obj, f"{field}_en") if lang == "en" else getattr(obj, f"{field}_da")


class InstrumentKind(models.TextChoices):
    EMPLOYEE = "employee", _("Survey for everyone")
    LEADER = "leader", _("Leader self-assessment")


class Family(models.TextChoices):
    COMPASS = "compass", _("The four elements of the trust compass")
    TRIPOD = "tripod", _("The tripod of trust")
    RELATIONS = "relations", _("Trust relations")
    GOVERNANCE = "governance", _("Experience of governance")


class Instrument(models.Model):
    """One version of a questionnaire, loaded from a JSON file."""

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(
        _("kind"), max_length=20, choices=InstrumentKind.choices, default=InstrumentKind.EMPLOYEE
    )
    name_da = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_da = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    # {"min": 1, "max": 5, "labels": [{"value": 1, "da": .., "en": ..}, ..],
    #  "dont_know": {"da": .., "en": ..}}
    scale = models.JSONField()
    source = models.JSONField(help_text="The file as loaded, for reference.")
    checksum = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_instrument_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def name(self) -> str:
        return _localised(self, "name")

    @property
    def description(self) -> str:
        return _localised(self, "description")


class Dimension(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="dimensions")
    code = models.SlugField(max_length=60)
    family = models.CharField(max_length=20, choices=Family.choices)
    name_da = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "order"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="unique_dimension_code")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")


class Item(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(max_length=60)
    text_da = models.TextField()
    text_en = models.TextField()
    reverse = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)
    dimensions = models.ManyToManyField(Dimension, related_name="items")

    class Meta:
        ordering = ["instrument", "order"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="unique_item_code")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def text(self) -> str:
        return _localised(self, "text")


class RoundManager(models.Manager):
    """Rounds without their frozen tree, which is read only when figures are
    computed: a city's tree is thousands of entries of JSON, and every list of
    rounds, front page and follow-up would otherwise decode it per round."""

    def get_queryset(self):
        return super().get_queryset().defer("tree")


class Round(models.Model):
    """A survey round for a subtree of the organisation."""

    name = models.CharField(_("name"), max_length=200)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="rounds")
    leader_instrument = models.ForeignKey(
        Instrument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader_rounds",
    )
    root = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="compass_rounds")
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    min_group = models.PositiveSmallIntegerField(_("smallest group with results"))
    min_comment_group = models.PositiveSmallIntegerField(_("smallest group with comments"))
    closed_early = models.BooleanField(default=False)
    # The round's units as they hung together when it opened: {unit id: parent
    # id, or None at the root}. Results roll up this tree, not today's, so a
    # later reorganisation can neither move anyone's answer nor be used to
    # subtract one set of figures from another. Empty only for rounds stored
    # before it existed (they roll up the current tree).
    tree = models.JSONField(default=dict, editable=False)
    # Imported rounds hold responses from another tool and have no invitations.
    is_imported = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Named on printed letters for questions about the survey; when empty, the
    # consultant who opened the round.
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    objects = RoundManager()

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group__gte=3), name="round_min_group_at_least_3"
            ),
            models.CheckConstraint(
                condition=models.Q(min_comment_group__gte=models.F("min_group")),
                name="round_comment_group_at_least_min_group",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def contact(self) -> dict[str, str]:
        """Who answers questions about the survey: the round's contact or its consultant."""
        if self.contact_name:
            return {
                "name": self.contact_name,
                "email": self.contact_email,
                "phone": self.contact_phone,
            }
        user = self.created_by
        name = (user.get_full_name() or user.username) if user is not None else ""
        email = self.contact_email or (user.email if user is not None else "")
        return {"name": name, "email": email, "phone": self.contact_phone}

    @property
    def is_closed(self) -> bool:
        return self.closed_early or self.is_imported or timezone.localdate() > self.closes_on

    @property
    def is_open(self) -> bool:
        return not self.is_closed and timezone.localdate() >= self.opens_on


class RoleGroup(models.TextChoices):
    EMPLOYEE = "employee", _("Employees")
    LEADER = "leader", _("Leaders")


class MailingKind(models.TextChoices):
    INVITATION = "invitation", _("Invitations")
    REMINDER = "reminder", _("Reminders")
    RESEND = "resend", _("Invitations sent again")


class Mailing(models.Model):
    """One sending of e-mails for a round, done by the background worker.

    Its invitations are those whose `mailing` points here; the sender clears
    that pointer as each one is sent or fails, and counts them here, so the
    round page can show the progress.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="mailings")
    kind = models.CharField(max_length=20, choices=MailingKind.choices)
    # The site's address for the links in the e-mails (the worker has no request).
    base_url = models.CharField(max_length=300, blank=True)
    total = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Claimed by a worker (so two never send the same mailing), and done.
    started = models.BooleanField(default=False)
    finished = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.round} · {self.get_kind_display()}"

    @property
    def done(self) -> int:
        return self.sent + self.failed

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


class Delivery(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent by e-mail")
    FAILED = "failed", _("E-mail failed")
    LETTER = "letter", _("By letter")


class Invitation(models.Model):
    """One person's one-time link. Unit and role group are frozen at opening.

    Only a SHA-256 hash of the token is stored; the token itself exists only
    in the e-mail or letter and is made when that is sent or printed (until
    then `token_hash` is empty and no link works). `delivery` says how it
    went out: sent, failed (with the mail server's reason) or by letter.
    `used` has no timestamp on purpose, and nothing here records when.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    role_group = models.CharField(max_length=20, choices=RoleGroup.choices)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    used = models.BooleanField(default=False)
    has_email = models.BooleanField(default=False)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    delivery_error = models.CharField(max_length=300, blank=True)
    # The mailing that is to send this invitation next; None once it has been handled.
    mailing = models.ForeignKey(
        Mailing, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="one_invitation_per_person")
        ]
        indexes = [
            models.Index(fields=["round", "unit", "used"]),
            models.Index(fields=["round", "delivery"]),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.pk}"


class Response(models.Model):
    """One anonymous answer sheet: unit, role group, date and the answers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    role_group = models.CharField(max_length=20, choices=RoleGroup.choices)
    submitted_on = models.DateField()
    # {item code: 1..max}; don't-know and skipped items are absent.
    answers = models.JSONField(default=dict)
    # The same answers packed in the instrument's item order (instruments.pack_answers),
    # read when computing a round's results; "" only for sheets stored before it existed.
    packed = models.TextField(default="", editable=False)
    comment = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return str(self.pk)


class SelfAssessment(models.Model):
    """A leader's own view of the unit, on the leader instrument. Not anonymous."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="self_assessments")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict)
    shared = models.BooleanField(_("shared with the unit"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit", "user"], name="one_self_assessment_per_leader"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.unit}"


class DialogueMeeting(models.Model):
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="compass_meetings")
    held_on = models.DateField(_("date of the meeting"))
    participants = models.PositiveIntegerField(_("number of participants"))
    agreements = models.TextField(_("what was agreed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit} {self.held_on}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionVerdict(models.TextChoices):
    # Asked at the check after the meeting: did the action work?
    WORKED = "worked", _("It worked")
    PARTLY = "partly", _("It worked in part")
    DID_NOT_WORK = "did_not_work", _("It did not work")


class DialogueAction(models.Model):
    meeting = models.ForeignKey(DialogueMeeting, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.CharField(_("owner"), max_length=200)
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    follow_up = models.TextField(_("follow-up note"), blank=True)
    # The follow-up loop: when the action was closed, and the check some time
    # after the meeting (settings.TILLID_DIALOGUE_CHECK_DAYS) asking the unit
    # whether it worked, as the leader sees it and as the team does.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    leader_verdict = models.CharField(
        _("the leader's verdict"), max_length=20, choices=ActionVerdict.choices, blank=True
    )
    team_verdict = models.CharField(
        _("the team's verdict"), max_length=20, choices=ActionVerdict.choices, blank=True
    )
    check_note = models.TextField(_("what the check found"), blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < timezone.localdate()


class LinkRequest(models.Model):
    """That someone asked for a new answering link, once per form (a double
    submit is refused by the unique key). Deliberately without the person,
    the invitation, the round or the time of day: the key is the hash of the
    form's random nonce and the date is coarse."""

    key = models.CharField(max_length=64, unique=True)
    requested_on = models.DateField()

    def __str__(self) -> str:
        return self.key[:8]
