"""The SMTP backend for digests: it greets the mail server with the sender's domain, not this host's name.

Django's SMTP backend says ``EHLO <socket.getfqdn()>``, and the relay writes that name into the ``Received``
header of every digest: for an onion-only deployment, the name of the machine the service hides on.
"""

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend


def sender_domain() -> str:
    """The domain of ``DEFAULT_FROM_EMAIL``, the only name this service gives mail servers and messages."""
    return str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2] or "localhost"


class _SenderNamedSMTP(smtplib.SMTP):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["local_hostname"] = sender_domain()
        super().__init__(*args, **kwargs)


class _SenderNamedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["local_hostname"] = sender_domain()
        super().__init__(*args, **kwargs)


class SenderDomainEmailBackend(EmailBackend):
    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return _SenderNamedSMTPSSL if self.use_ssl else _SenderNamedSMTP
