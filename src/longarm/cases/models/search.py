"""The search index of each reader, at rest only as data sealed to that reader (``cases.search_index``).

Nothing here is readable with the server's keyring: segments and deltas are sealed to the staff member's
public key, whose private half is unlocked only by their password, for the length of their session. No time
and no size in clear: rows carry no timestamp, and every sealed value is padded to a size bucket."""

import uuid

from django.conf import settings
from django.db import models


class SearchSegment(models.Model):
    """One part of a reader's index: the decrypted texts of some of the cases they hold, sealed to them.

    A compaction writes a whole new generation (its parts numbered 0) and deletes the older one in the same
    transaction. A first build over several requests appends to the generation one part per request, numbered
    1, 2, …, holding only the cases that request read; once the build is complete, a compaction merges them.
    The number is unique within a generation: two processes building the same reader's index cannot both
    append the same step (the loser reads the winner's part instead, ``search_index._store``)."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveIntegerField()
    part = models.PositiveIntegerField(default=0)
    sealed = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["staff", "generation"], name="search_segment_reader")]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "generation", "part"],
                condition=models.Q(part__gt=0),
                name="search_segment_step",
            )
        ]

    def __str__(self) -> str:
        return f"search segment {self.pk} of {self.staff_id}"


class SearchDelta(models.Model):
    """The cases whose content changed since the reader's segments were written, sealed to the reader:
    written in the transaction that changed the content, consumed and deleted by a compaction."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Random: tells a delta from a later one that SQLite gave the same id after a compaction deleted it.
    tag = models.UUIDField(default=uuid.uuid4, editable=False)
    sealed = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["staff"], name="search_delta_reader")]

    def __str__(self) -> str:
        return f"search delta {self.pk} of {self.staff_id}"
