from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class UnitKind(models.TextChoices):
    # Ordered from the top of the tree down; LEVELS gives the order.
    MUNICIPALITY = "municipality", _("Municipality")
    ADMINISTRATION = "administration", _("Administration (forvaltning)")
    AREA = "area", _("Area")
    INSTITUTION = "institution", _("Institution")
    TEAM = "team", _("Team")


UNIT_KIND_LEVELS = {kind: level for level, kind in enumerate(UnitKind.values)}


class KLELevel(models.TextChoices):
    MAIN_GROUP = "main_group", _("Main group")
    GROUP = "group", _("Group")
    TOPIC = "topic", _("Topic")


class KLENumber(models.Model):
    """A number of KL's subject classification (KLE): a municipal task area.

    Main group `27`, group `27.24`, topic `27.24.00`. The list comes from a
    file in KL's format (`manage.py kle_update`); numbers KL has retired, or
    that a newer list no longer has, keep their row with `expired_on` set,
    since units and governance items may still name them.
    """

    number = models.CharField(_("KLE number"), max_length=8, unique=True)
    title = models.CharField(_("title"), max_length=300)
    level = models.CharField(_("level"), max_length=12, choices=KLELevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    expired_on = models.DateField(_("retired on"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("KLE number")
        verbose_name_plural = _("KLE numbers")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def main_group(self) -> str:
        return self.number[:2]


class Unit(models.Model):
    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised ancestry "/<root pk>/…/<own pk>/" so a subtree is one
    # prefix query; kept right by services.rebuild_paths() alone.
    path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    # KLE numbers of the unit's task areas as its source system gives them
    # (OS2mo), compared and written by the import; None when no source has
    # said, and the task areas are then set by hand. (Nullable without a
    # default so that SQLite adds the column in place: rebuilding the table
    # would drop the burden-stamp triggers governance puts on it.)
    source_kle = models.JSONField(_("KLE numbers from the source"), null=True, blank=True)
    # The unit's task areas: governance items with a KLE number suggest the
    # units tagged with it. Follows source_kle after an import that sets it.
    kle_numbers = models.ManyToManyField(
        KLENumber, verbose_name=_("KLE task areas"), blank=True, related_name="units"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["path", "depth", "updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [
            models.Index(
                fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_within(self, ancestor: "Unit") -> bool:
        return self.path.startswith(ancestor.path)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class Person(models.Model):
    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people"
    )
    is_leader = models.BooleanField(_("leader"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["unit", "is_active"]), models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    CONSULTANT = "consultant", _("Consultant (administration)")
    LEADER = "leader", _("Leader")
    EMPLOYEE = "employee", _("Employee")
    POLITICIAN = "politician", _("Politician")
    MED_TR = "med_tr", _("MED/TR representative")
    HR = "hr", _("HR")


class RoleGrant(models.Model):
    """A role given to a user for a unit and everything below it.

    `unit` empty means the whole organisation. Leader and employee roles
    also follow from the organisation itself (see permissions.effective_grants),
    so grants are only needed for what the organisation file does not say.
    """

    # Either a login, or a person from the organisation: a grant to a person
    # follows them to whatever account they log in with (SSO links it at first login).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    person = models.ForeignKey(
        "Person", null=True, blank=True, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_grants",
        help_text=_("Leave empty for the whole organisation."),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Given at a single sign-on (SAML) login from the user's job-function
    # roles and replaced at the next one; grants made by hand stay.
    from_sso = models.BooleanField(_("from the municipal login"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], name="unique_role_grant_per_unit"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(unit__isnull=True),
                name="unique_role_grant_organisation_wide",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "unit"], name="unique_person_role_grant_per_unit"
            ),
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=models.Q(unit__isnull=True),
                name="unique_person_role_grant_organisation_wide",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, person__isnull=True)
                | models.Q(user__isnull=True, person__isnull=False),
                name="role_grant_to_a_user_or_a_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.person} · {self.get_role_display()} · {self.unit or '*'}"


class JobFunctionRole(models.Model):
    """A job-function role from the municipal login and the Tillid role it gives.

    KOMBIT's Context Handler sends the user's job-function roles (the
    privileges attribute of OIOSAML 3), each with a data scope naming one or
    more org units. Administrators keep this table: a role maps either to the
    units its data scope names (and everything below them), or to the whole
    organisation. A login whose roles map to nothing is refused.
    """

    privilege = models.CharField(
        _("job-function role"),
        max_length=300,
        help_text=_(
            "The role's identifier as the login sends it, "
            "e.g. http://tillid.dk/roles/jobfunction/leder."
        ),
    )
    role = models.CharField(_("Tillid role"), max_length=20, choices=Role.choices)
    whole_organisation = models.BooleanField(
        _("the whole organisation"),
        default=False,
        help_text=_(
            "Give the role for the whole organisation. Otherwise it applies to the units "
            "named in the role's data scope and the units below them."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["privilege", "role"]
        verbose_name = _("job-function role")
        verbose_name_plural = _("job-function roles")
        constraints = [
            models.UniqueConstraint(fields=["privilege", "role"], name="unique_job_function_role")
        ]

    def __str__(self) -> str:
        return f"{self.privilege} → {self.get_role_display()}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    AWAITING_CONFIRMATION = "awaiting", _("Waiting for confirmation")
    SUCCEEDED = "succeeded", _("Completed")
    FAILED = "failed", _("Rejected")


class ImportSource(models.TextChoices):
    FILE = "file", _("File")
    OS2MO = "os2mo", _("OS2mo")


class ImportStage(models.TextChoices):
    QUEUED = "queued", _("Waiting for the background worker")
    READING = "reading", _("Reading the file")
    CHECKING = "checking", _("Checking the rows")
    SAVING = "saving", _("Saving the changes")
    DONE = "done", _("Finished")


class OrganisationImport(models.Model):
    """One upload of an organisation file (or a run of the command) and what became of it.

    `content` holds the uploaded files packed in one zip archive (see
    importing.pack_files). Progress: `processed_rows` of `total_rows` steps,
    where each data row counts twice, once checked and once saved; `row_count`
    is the number of data rows in the files.
    """

    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    content_hash = models.CharField(max_length=64, db_index=True, blank=True)
    dry_run = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    in_background = models.BooleanField(default=False)
    row_count = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    errors = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=dict, blank=True)
    source = models.CharField(
        max_length=10, choices=ImportSource.choices, default=ImportSource.FILE
    )
    # Every change of the plan, {table: {kind: [[id, name, detail], ...]}}; large,
    # so lists of imports defer it.
    changes = models.JSONField(default=dict, blank=True)
    # The safety net: the number of deactivations the user confirmed.
    confirmed_deactivations = models.PositiveIntegerField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the import wrote (the time on its history rows) and the reason they
    # carry: together they find its rows for an undo.
    applied_at = models.DateTimeField(null=True, blank=True, db_index=True)
    change_reason = models.CharField(max_length=100, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undo_report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.processed_rows / self.total_rows))

    @property
    def is_finished(self) -> bool:
        """No longer running (also when it waits for a confirmation)."""
        return self.status in (
            ImportStatus.SUCCEEDED,
            ImportStatus.FAILED,
            ImportStatus.AWAITING_CONFIRMATION,
        )

    @property
    def stage_label(self) -> str:
        try:
            return str(ImportStage(self.stage).label)
        except ValueError:
            return self.stage
