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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
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
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit or '*'}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Completed")
    FAILED = "failed", _("Rejected")


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
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.processed_rows / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def stage_label(self) -> str:
        try:
            return str(ImportStage(self.stage).label)
        except ValueError:
            return self.stage
