"""One-time enrolment links: how a member added in the console gets in, and how a member whose second factor
was reset enrols a new one (threat model §6.3, "Onboarding").

The administrator never learns a password that opens the member's key: a new member's key pair is made only
when they open the link and choose their password, so nothing sealed to them was ever under a secret someone
else saw. The link carries 32 random bytes; the database keeps a keyed hash of them. It is shown once, to the
administrator whose act created it, works once, and lapses after ``LONGARM_ENROLMENT_HOURS``. Opening it
shows the authenticator secret and asks for the password (a new one for a new member) and a code from the app:
the second factor is enrolled before the member can do anything else, and they are logged in at once.
"""

import io
from datetime import timedelta

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from longarm.accounts.exceptions import EnrolmentRefused
from longarm.accounts.models import Enrolment, StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.core.keyring import current_keyring, staff_cost
from longarm.crypto.envelopes import new_keypair
from longarm.crypto.errors import DecryptionError
from longarm.crypto.link_tokens import link_token_hash, new_link_token
from longarm.crypto.staff_keys import LockedPrivateKey, lock_private_key, unlock_private_key

_BACKEND = "django.contrib.auth.backends.ModelBackend"
# A reset link asks for the member's existing password: whoever intercepted the link must not get an unlimited
# password oracle (the log-in page's back-off does not apply here), so a few wrong ones void the link.
ENROLMENT_WRONG_PASSWORDS = 5
# A reset link asks for the member's existing password: whoever intercepted the link must not get an unlimited
# password oracle (the log-in page's back-off does not apply here), so a few wrong ones void the link.
ENROLMENT_WRONG_PASSWORDS = 5


def _hash(token: str) -> bytes:
    return link_token_hash(current_keyring().index_key, token)


def enrolment_issue(*, staff: StaffUser, actor: StaffUser | None) -> str:
    """Replace ``staff``'s enrolment link and unconfirmed authenticator with fresh ones, in the caller's
    transaction; returns the link's token, to show once."""
    token = new_link_token()
    Enrolment.objects.filter(staff=staff).delete()
    TOTPDevice.objects.filter(user=staff, confirmed=False).delete()
    TOTPDevice.objects.create(user=staff, name="default", confirmed=False)
    Enrolment.objects.create(
        staff=staff,
        token_hash=_hash(token),
        expires_at=timezone.now() + timedelta(hours=settings.LONGARM_ENROLMENT_HOURS),
        created_by=actor,
    )
    return token


def enrolment_for_token(*, token: str) -> Enrolment | None:
    """The enrolment the link's token opens, or None for an unknown, used or lapsed link."""
    try:
        digest = _hash(token)
    except DecryptionError:
        return None
    enrolment = Enrolment.objects.select_related("staff").filter(token_hash=digest).first()
    if enrolment is None or enrolment.expires_at <= timezone.now():
        return None
    return enrolment


def enrolment_device(enrolment: Enrolment) -> TOTPDevice:
    """The authenticator the member is enrolling (made with the link)."""
    return TOTPDevice.objects.get(user=enrolment.staff, confirmed=False)


def authenticator_svg(uri: str) -> str:
    """The provisioning URI as an SVG QR code for the enrolment page (the secret never leaves the page)."""
    buffer = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(buffer)
    return buffer.getvalue().decode()


def _set_new_key(staff: StaffUser, password: str) -> bytes:
    validate_password(password, user=staff)
    keypair = new_keypair()
    cost = staff_cost()
    locked = lock_private_key(keypair.private, password, cost=cost)
    staff.public_key = keypair.public
    staff.private_key_salt, staff.private_key_locked = locked.salt, locked.ciphertext
    staff.private_key_opslimit, staff.private_key_memlimit = cost.opslimit, cost.memlimit
    staff.set_password(password)
    staff.is_active = True
    return keypair.private


def _open_key(staff: StaffUser, password: str) -> bytes:
    if not staff.check_password(password):
        raise EnrolmentRefused("password")
    locked = LockedPrivateKey(salt=bytes(staff.private_key_salt), ciphertext=bytes(staff.private_key_locked))
    try:
        return unlock_private_key(locked, password, cost=staff.private_key_cost)
    except DecryptionError as error:
        raise EnrolmentRefused("password") from error


def enrolment_complete(
    *, request: HttpRequest, enrolment: Enrolment, password: str, otp_token: str
) -> StaffUser:
    """Finish enrolment and log the member in, keeping their unlocked private key in the session vault.

    A new member's ``password`` is the one they choose now (their key pair is made under it); after a reset it
    is their existing password. Returns the member. Raises ``EnrolmentRefused("code")`` for a wrong code,
    ``EnrolmentRefused("password")`` for a wrong existing password (``ENROLMENT_WRONG_PASSWORDS`` of them
    void the link), ``EnrolmentRefused("used")`` when the link was used or lapsed meanwhile, and
    ``ValidationError`` for a weak new password.
    """
    try:
        return _complete(request=request, enrolment=enrolment, password=password, otp_token=otp_token)
    except EnrolmentRefused as error:
        if str(error) == "password":
            _count_wrong_password(enrolment)
        raise


def _count_wrong_password(enrolment: Enrolment) -> None:
    # Outside the refused attempt's transaction, which rolled back.
    with transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk).update(wrong_passwords=F("wrong_passwords") + 1)
        voided, _ = Enrolment.objects.filter(
            pk=enrolment.pk, wrong_passwords__gte=ENROLMENT_WRONG_PASSWORDS
        ).delete()
        if voided:
            audit_append(
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                action="staff.enrol.voided",
                object_type="staff",
                object_id=str(enrolment.staff_id),
            )


def _complete(*, request: HttpRequest, enrolment: Enrolment, password: str, otp_token: str) -> StaffUser:
    # Imported here: services imports this module's neighbours, and the vault helpers live there.
    from longarm.accounts.services import store_private_key

    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        if locked is None or locked.expires_at <= timezone.now():
            raise EnrolmentRefused("used")
        staff = StaffUser.objects.select_for_update(no_key=True).get(pk=locked.staff_id)
        new_account = not bytes(staff.private_key_locked)
        device = TOTPDevice.objects.filter(user=staff, confirmed=False).first()
        private_key = _set_new_key(staff, password) if new_account else _open_key(staff, password)
        if device is None or not device.verify_token(otp_token):
            raise EnrolmentRefused("code")
        for other in devices_for_user(staff, confirmed=True):
            other.delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        staff.save()
        locked.delete()
        audit_append(
            actor=staff,
            actor_kind=ActorKind.STAFF,
            action="staff.enrol" if new_account else "staff.enrol.second_factor",
            object_type="staff",
            object_id=str(staff.pk),
        )
        auth_login(request, staff, backend=_BACKEND)
        otp_login(request, device)
        store_private_key(request, private_key)
    return staff
