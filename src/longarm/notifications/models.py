"""Who wants the digest, and which windows it was sent for (so a second run in a window sends nothing)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DigestSubscription(models.Model):
    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    address = models.EmailField(_("e-mail address"))

    def __str__(self) -> str:
        return f"digest for {self.staff_id}"


class DigestSent(models.Model):
    """The start of a schedule window whose digest went to one staff member: times of the schedule, not of
    any report."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "window_start"], name="notifications_one_digest_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"digest to {self.staff_id} for {self.window_start:%Y-%m-%d %H:%M}"
