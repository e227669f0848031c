"""Sending the digest: the same words at the same moments whatever happened, so that neither the mail provider
nor anyone watching the line learns when a report arrived (threat model §9 item 6)."""

import logging
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from longarm.accounts.models import StaffUser
from longarm.audit.tally import audit_count
from longarm.notifications.mail import sender_domain
from longarm.notifications.models import DigestSent, DigestSubscription
from longarm.notifications.schedule import window_start
from longarm.notifications.selectors import waiting_for

logger = logging.getLogger(__name__)


class DigestServerUnreachable(Exception):
    """The SMTP server could not be reached: nothing was recorded as sent, so the next run tries again."""


def digest_subscribe(*, staff: StaffUser, address: str) -> DigestSubscription:
    subscription, _ = DigestSubscription.objects.update_or_create(staff=staff, defaults={"address": address})
    return subscription


def digest_unsubscribe(*, staff: StaffUser) -> None:
    DigestSubscription.objects.filter(staff=staff).delete()


def _message(staff: StaffUser, address: str) -> EmailMessage:
    waiting = waiting_for(staff)
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("notifications/digest.txt", {"waiting": waiting})
        subject = render_to_string("notifications/digest_subject.txt").strip()
    # Django's Message-ID names this server's own host, which for an onion-only service says where it runs:
    # the sender's mail domain instead.
    domain = sender_domain()
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Message-ID": make_msgid(domain=domain)},
    )


def digests_send() -> int:
    """Send this window's digest to every active subscriber who has not had it; returns how many were sent.

    A window's digest is recorded before it is sent: a crash between the two loses one digest rather than
    sending two, and the next window's comes on time.
    """
    start = window_start(timezone.now())
    if start is None:
        return 0
    due = list(
        DigestSubscription.objects.filter(staff__is_active=True).select_related("staff").order_by("id")
    )
    if not due:
        return 0
    connection = mailers.default
    try:
        connection.open()
    except OSError as error:  # smtplib's errors are OSErrors too
        where = f"{getattr(connection, 'host', '?')}:{getattr(connection, 'port', '?')}"
        raise DigestServerUnreachable(
            f"the SMTP server {where} could not be reached ({error}); "
            "check LONGARM_EMAIL_HOST, LONGARM_EMAIL_PORT and LONGARM_EMAIL_SECURITY — nothing was sent, "
            "the next run tries again"
        ) from error
    sent = 0
    try:
        for subscription in due:
            try:
                with transaction.atomic():
                    DigestSent.objects.create(staff=subscription.staff, window_start=start)
            except IntegrityError:
                continue  # already sent in this window, by an earlier run
            try:
                connection.send_messages([_message(subscription.staff, subscription.address)])
            except OSError:
                logger.exception("A digest could not be sent")
                audit_count(action="notification.digest", outcome="failed")
                continue
            sent += 1
    finally:
        connection.close()
    if sent:
        audit_count(action="notification.digest", outcome="sent", times=sent)
    DigestSent.objects.filter(window_start__lt=start).delete()
    return sent
