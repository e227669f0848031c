from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A staff member's API token. Only a keyed hash of the token is stored, and the staff member's private
    key encrypted under a key derived from the token (``longarm.crypto.api_tokens``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(_("label"), max_length=60)
    lookup_hash = models.BinaryField(max_length=32, unique=True)
    # Emptied on revocation: a revoked token then unlocks nothing even if its hash were matched.
    wrapped_private_key = models.BinaryField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # What the token may do, as ``<resource>:<access>`` strings (``longarm.api.scopes``).
    scopes = models.JSONField(default=list)
    # The console session the token lives and dies with, its key encrypted under a key derived from the token
    # (``longarm.crypto.api_tokens.wrap_session_key``); empty for a token not bound to a session.
    bound_session = models.BinaryField(default=b"", blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.user_id})"
