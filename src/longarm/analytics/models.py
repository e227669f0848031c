"""The coded-fact store: what analytics counts, copied from coded fields only (DESIGN §3, §5).

One ``FactIncident`` per counted unit. A case's coded incidents are the units once it has any, and only if
every report the case groups consented to statistics (an incident may have been coded from any of them).
A consenting report counts as one unit of its own while it is outside a case, while its case has no coded
incident yet, or when its case holds a report without statistics consent: then its own coded fields stand in
for the incidents. So each act is counted once, by its best coding, and never from a declining reporter.

A fact holds months, never days; codes, never text; and no public identifier. ``report`` and ``incident``
are database keys kept only to maintain the store (and to let shredding take facts with it); they are never
shown, counted or exported.

The dashboard counts an in-process copy of the facts (``snapshot``), kept current through ``FactVersion``.
"""

from django.db import models


class FactSource(models.TextChoices):
    REPORT = "report", "report"
    INCIDENT = "incident", "incident"


class FactIncident(models.Model):
    source = models.CharField(max_length=8, choices=FactSource.choices)
    report = models.ForeignKey(
        "intake.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    incident = models.OneToOneField(
        "cases.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # 0 when unknown, so that the month filter can compare plain integers.
    year = models.PositiveSmallIntegerField(default=0)
    month = models.PositiveSmallIntegerField(default=0)
    community = models.CharField(max_length=40, blank=True)
    host_country = models.CharField(max_length=8, blank=True)
    host_region = models.CharField(max_length=16, blank=True)
    origin_region = models.CharField(max_length=40, blank=True)
    intake_channel = models.CharField(max_length=16, blank=True)
    relatives_targeted = models.BooleanField(default=False)
    # Freedom House's universe of direct physical incidents, and the highest Oxus/UHRP stage (0 for none).
    fh_physical = models.BooleanField(default=False)
    oxus_stage = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["year", "month"], name="fact_period"),
            models.Index(fields=["community", "year", "month"], name="fact_community"),
            models.Index(fields=["host_country", "host_region"], name="fact_host"),
            models.Index(fields=["host_region"], name="fact_host_region"),
        ]
        constraints = [
            # Not both; neither only for synthetic facts (benchmarks), which a rebuild removes.
            models.CheckConstraint(
                condition=models.Q(report__isnull=True) | models.Q(incident__isnull=True),
                name="fact_at_most_one_source",
            ),
            models.UniqueConstraint(fields=["report"], name="fact_once_per_report"),
        ]

    def __str__(self) -> str:
        return f"{self.source} fact {self.pk}"


class FactCode(models.Model):
    """One code of a multi-valued dimension (tactic, channel, actor, harm) of a fact."""

    fact = models.ForeignKey(FactIncident, on_delete=models.CASCADE, related_name="codes")
    dimension = models.CharField(max_length=12)
    code = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["dimension", "code", "fact"], name="factcode_group")]
        constraints = [
            models.UniqueConstraint(fields=["fact", "dimension", "code"], name="factcode_once"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.code}"


class FactVersion(models.Model):
    """The log of writes of facts, which keeps each process's in-memory copy of them (``snapshot``) current.

    Every write of facts adds a line in its own transaction (a rolled-back write leaves none): the keys of
    the facts it inserted and deleted, or ``reload`` when it replaced the whole store. A copy remembers the
    line it reflects and applies the lines after it. ``token`` is random: after a rollback (in tests) a line
    number can come back for another write, and the token tells them apart. Database keys only, never
    codes or counts; the oldest lines are pruned.
    """

    token = models.BigIntegerField()
    reload = models.BooleanField(default=False)
    inserted = models.TextField(blank=True)
    deleted = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"facts change {self.pk}"
