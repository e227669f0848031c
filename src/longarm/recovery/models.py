"""The state of a recovery-key rotation, so that an interrupted one resumes where it stopped."""

from django.db import models


class RecoveryRotation(models.Model):
    """One rotation of the recovery key pair: every key sealed to the old public key is sealed again to the
    new one, table by table in id order, twice (the second pass catches seals made by work that was in
    flight when the keyring's public key changed). ``stage`` and ``last_id`` say how far it got."""

    old_public_key = models.BinaryField(max_length=32)
    new_public_key = models.BinaryField(max_length=32)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # "<pass>:<table>", e.g. "1:report"; the next seal to look at has an id above ``last_id``.
    stage = models.CharField(max_length=32)
    last_id = models.BigIntegerField(default=0)
    resealed = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"recovery rotation {self.pk} ({self.stage})"
