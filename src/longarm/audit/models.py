from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from longarm.audit.alerts import ALERT_PREFIX, alert_label


class ActorKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    REPORTER = "reporter", _("Reporter")
    SYSTEM = "system", _("System")


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained log (DESIGN §4). It records who did what to which object,
    never content and never a reporter's address."""

    created_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=40, blank=True)
    # Long enough for the counts of one window of anonymous attempts (``audit.tally``).
    object_id = models.CharField(max_length=512, blank=True)
    previous_hash = models.CharField(max_length=64)
    event_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    @property
    def is_alert(self) -> bool:
        return self.action.startswith(ALERT_PREFIX)

    @property
    def alert_label(self) -> str:
        return alert_label(self.action) if self.is_alert else ""


class AuditHead(models.Model):
    """A single row locked while appending, so that concurrent writers extend the chain one at a time."""

    last_hash = models.CharField(max_length=64)
    # The oldest day that may have reporter events waiting (``ReporterEvent``), so that appending an event
    # needs no extra query to know whether a past day's are still to be chained.
    reporter_events_since = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.last_hash


class AuditCheckpoint(models.Model):
    """A signed statement (Ed25519, the keyring's signing key) that the chain held ``event_count`` events
    ending in event ``last_event_id`` with hash ``last_hash``. Rewriting the chain consistently — every hash
    and the head recomputed — still contradicts a checkpoint, which cannot be re-signed without the key."""

    # Not a foreign key: the checkpoint must outlive a deleted event, so that verification can name it.
    last_event_id = models.BigIntegerField(unique=True)
    last_hash = models.CharField(max_length=64)
    event_count = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    signature = models.BinaryField(max_length=64)

    class Meta:
        ordering = ["last_event_id"]

    def __str__(self) -> str:
        return f"checkpoint at event {self.last_event_id}"


class AuditTally(models.Model):
    """How many anonymous attempts of one kind ended one way in one window (see ``audit.tally``). The rows of
    closed windows become chained events and are deleted; nothing here names who tried or what was typed:
    no IP address, no session, no report, no code."""

    action = models.CharField(max_length=48)
    outcome = models.CharField(max_length=16)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "outcome", "window_start"], name="audit_tally_one_row")
        ]

    def __str__(self) -> str:
        return f"{self.action}:{self.outcome} x{self.count} from {self.window_start:%Y-%m-%d %H:%M}"


class ReporterEvent(models.Model):
    """A reporter's act (or the system's act on a reporter's file) waiting to join the chain.

    Report arrival is kept to the day (``Report.received_on``); a chained event dated to the second, or
    placed between two staff events that are, would undo that. So the act is kept here with its day only,
    and joins the chain after the day has ended, dated to that day, in random order among the day's others
    (issue 11, item 11). Until then it is outside the chain's tamper evidence: at most a day.
    """

    day = models.DateField()
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.action} {self.object_type}:{self.object_id}"
