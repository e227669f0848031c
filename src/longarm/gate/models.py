from django.db import models


class SpentToken(models.Model):
    """A gate solution or time-lock token that was used, so that one solution buys exactly one attempt.

    ``digest`` is a keyed hash of the token's random nonce (and its purpose), never the nonce itself;
    ``expires_at`` is when the token would have expired anyway, rounded up to the hour so that the row does
    not date the attempt. Rows are purged once expired.
    """

    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"spent until {self.expires_at:%Y-%m-%d %H:00}"
