"""Cases and who did what to whom (DESIGN §4). Content is ciphertext under the case's keys; coded fields
(tactics, channels, places, dates at their stated precision) stand in clear for triage and statistics."""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from longarm.intake.models import Urgency


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGE = "triage", _("Triage")
    ACTIVE = "active", _("Active")
    REFERRED = "referred", _("Referred")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


# The workflow: a case moves only along these edges; a closed case can be reopened into triage or active.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.NEW: frozenset({CaseStatus.TRIAGE, CaseStatus.CLOSED}),
    CaseStatus.TRIAGE: frozenset({CaseStatus.ACTIVE, CaseStatus.CLOSED}),
    CaseStatus.ACTIVE: frozenset({CaseStatus.REFERRED, CaseStatus.MONITORING, CaseStatus.CLOSED}),
    CaseStatus.REFERRED: frozenset({CaseStatus.ACTIVE, CaseStatus.MONITORING, CaseStatus.CLOSED}),
    CaseStatus.MONITORING: frozenset({CaseStatus.ACTIVE, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.TRIAGE, CaseStatus.ACTIVE}),
}


class Case(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.NEW)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    opened_on = models.DateField()
    status_changed_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    # The case list sorts cases without a due date after those with one. SQLite sorts NULL first and
    # PostgreSQL last, and SQLite cannot index NULLS LAST: a stored, never-null copy orders the same on
    # both and is served by the list's index.
    due_sort = models.GeneratedField(
        expression=Coalesce("due_on", models.Value(date(9999, 12, 31))),
        output_field=models.DateField(),
        db_persist=True,
    )
    do_not_remove = models.BooleanField(
        default=False, help_text=_("Immigration liaison: this person must not be removed from the country.")
    )
    # The title and summary, under the case data key.
    summary_ciphertext = models.BinaryField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Cases of one status in the list's order: without it SQLite, which keeps no statistics unless
            # asked, reads every case of the status and sorts them.
            models.Index(fields=["status", "urgency", "due_sort", "-id"], name="case_list_by_status"),
            # The case list's order (selectors.CASE_ORDER): the stored urgency codes sort critical < high
            # < normal. With the status it covers the list's page of ids, its count and the count of
            # open critical cases, without reading the rows.
            models.Index(fields=["urgency", "due_sort", "-id", "status"], name="case_list_order"),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseKeyKind(models.TextChoices):
    DATA = "data", _("Case content")
    IDENTITY = "identity", _("Identities of reporters and relatives")


class CaseKey(models.Model):
    """A case key sealed to one staff member or to the recovery key. Holding the data seal is access."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=10, choices=CaseKeyKind.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    sealed = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "staff"], name="case_key_once_per_staff"),
            models.UniqueConstraint(
                fields=["case", "kind"], condition=models.Q(staff__isnull=True), name="case_key_one_recovery"
            ),
        ]
        # A reader's cases, from the holder's side: the case list and its count read only this index.
        indexes = [models.Index(fields=["staff", "kind", "case"], name="case_key_holder")]

    def __str__(self) -> str:
        return f"{self.kind} key of {self.case_id} for {self.staff_id or 'recovery'}"


class Assignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "staff"], name="assignment_once")]

    def __str__(self) -> str:
        return f"{self.staff_id} on {self.case_id}"


class CaseReport(models.Model):
    """Which reports a case groups. A report belongs to at most one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_reports")
    report = models.OneToOneField("intake.Report", on_delete=models.CASCADE, related_name="case_link")

    def __str__(self) -> str:
        return f"{self.report_id} in {self.case_id}"


class CodeDimension(models.TextChoices):
    TACTIC = "tactic", _("Tactic")
    HOST_COUNTRY = "host_country", _("Host country")
    COMMUNITY = "community", _("Community")


class CaseCode(models.Model):
    """One coded value of a case, taken from one of its incidents or reports, so that the case list
    filters with an index instead of searching JSON lists. Derived data: ``cases.codes`` rebuilds it
    whenever incidents or reports change case or coding; deleting the source deletes its codes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="codes")
    # "dimension:code" (``codes.term``), one column so that PostgreSQL's statistics know how common
    # each value is and plan the list from the rarer side.
    term = models.CharField(max_length=80)
    incident = models.ForeignKey(
        "Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    report = models.ForeignKey(
        "intake.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["term", "case"], name="case_code_lookup")]

    def __str__(self) -> str:
        return f"{self.term} of {self.case_id}"


class Note(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    ciphertext = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.public_id)


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    UNKNOWN = "unknown", _("Unknown")


class Incident(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    month = models.PositiveSmallIntegerField(null=True, blank=True)
    day = models.PositiveSmallIntegerField(null=True, blank=True)
    precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN)
    approximate = models.BooleanField(default=False)
    tactics = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    actors = models.JSONField(default=list, blank=True)
    harms = models.JSONField(default=list, blank=True)
    host_country = models.CharField(max_length=8, blank=True)
    host_region = models.CharField(max_length=16, blank=True)
    origin_region = models.CharField(max_length=40, blank=True)
    # Under the case data key.
    description_ciphertext = models.BinaryField()

    class Meta:
        ordering = ["year", "month", "day", "id"]

    def __str__(self) -> str:
        return str(self.public_id)


class PersonRole(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    RELATIVE = "relative", _("Relative at risk")
    PERPETRATOR = "perpetrator", _("Perpetrator")
    INTERMEDIARY = "intermediary", _("Intermediary")


class Person(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(max_length=12, choices=PersonRole.choices)
    # A pseudonym anyone on the case may see ("Relative A", "Officer 1").
    label = models.CharField(max_length=60)
    # Agency, rank and other details, under the case data key.
    details_ciphertext = models.BinaryField()
    # Names of reporters and relatives, under the case identity key (custodians only unless disclosed).
    identity_ciphertext = models.BinaryField()

    class Meta:
        ordering = ["role", "id"]

    def __str__(self) -> str:
        return self.label


class Involvement(models.Model):
    """A person's role in one incident (target, perpetrator, intermediary, witness)."""

    class Kind(models.TextChoices):
        TARGET = "target", _("Target")
        PERPETRATOR = "perpetrator", _("Perpetrator")
        INTERMEDIARY = "intermediary", _("Intermediary")
        WITNESS = "witness", _("Witness")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="involvements")
    kind = models.CharField(max_length=12, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "person", "kind"], name="involvement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} in {self.incident_id}"


class IdentifierKind(models.TextChoices):
    PHONE = "phone", _("Phone number")
    WECHAT = "wechat", _("WeChat ID")
    QQ = "qq", _("QQ number")
    LINE = "line", _("LINE ID")
    BADGE = "badge", _("Badge or police ID number")
    EMAIL = "email", _("E-mail address")
    NAME = "name", _("Name")
    PLATE = "plate", _("Vehicle plate")
    ORGANISATION = "organisation", _("Organisation")


class Identifier(models.Model):
    """A typed value, stored as ciphertext plus its blind index (DESIGN §3) for linking across cases."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifiers")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="identifiers"
    )
    kind = models.CharField(max_length=14, choices=IdentifierKind.choices)
    ciphertext = models.BinaryField()
    blind_index = models.BinaryField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["blind_index"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"
