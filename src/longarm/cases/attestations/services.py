"""Protection attestations: a signed statement that a credible report was filed on a date under a reference,
and its verification by anyone who holds the reference and the code printed on the letter."""

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.audit.tally import audit_count
from longarm.cases.attestations.codes import (
    code_hash,
    new_code,
    new_reference,
    normalise_reference,
    signed_message,
)
from longarm.cases.attestations.exceptions import TooManyAttempts
from longarm.cases.auditing import audit_case_act
from longarm.cases.exceptions import NotAllowed
from longarm.cases.keys import open_case_key
from longarm.cases.models import Attestation, Case, CaseKeyKind
from longarm.core.keyring import current_keyring, own_signer
from longarm.core.throttle import Limit, hashed_key, is_exceeded, record_failure
from longarm.crypto.signing import sign


class Verdict(models.TextChoices):
    VALID = "valid", _("Valid: this attestation was issued by us and has not been revoked.")
    INVALID = "invalid", _("Invalid: no attestation matches this reference and code.")
    REVOKED = "revoked", _("Revoked: this attestation was issued by us but has since been withdrawn.")


@dataclass(frozen=True)
class IssuedAttestation:
    attestation: Attestation
    # Shown once on the letter; only its keyed hash is stored.
    code: str


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    # What the verify page may show for a letter whose reference and code were right: its dates and the
    # organisation, so that a date changed on a printed letter is caught. None for an invalid check.
    attestation: Attestation | None


def signatory_line(attestation: Attestation) -> str:
    if not attestation.signatory_role:
        return attestation.signatory_name
    return f"{attestation.signatory_name}, {attestation.signatory_role}"


def attestation_message(attestation: Attestation) -> bytes:
    return signed_message(
        reference=attestation.reference,
        report_filed_on=attestation.report_filed_on,
        issued_on=attestation.issued_on,
        organisation=attestation.organisation,
        signatory=signatory_line(attestation),
    )


@transaction.atomic
def attestation_issue(
    *, actor: StaffUser, private_key: bytes, case: Case, signatory_name: str, signatory_role: str
) -> IssuedAttestation:
    """Sign an attestation for ``case`` dated by its earliest report, in the organisation's name
    (``LONGARM_ORGANISATION_NAME``) and the signatory's; returns it with its code.

    Raises ``NoAccess`` when ``actor`` holds no data key of the case and ``NotAllowed`` when the case groups
    no report.
    """
    open_case_key(case=case, kind=CaseKeyKind.DATA, staff=actor, private_key=private_key)
    filed_on = case.case_reports.aggregate(first=Min("report__received_on"))["first"]
    if filed_on is None:
        raise NotAllowed
    today = timezone.now().date()
    reference = new_reference(today)
    while Attestation.objects.filter(reference=reference).exists():
        reference = new_reference(today)
    code = new_code()
    attestation = Attestation(
        reference=reference,
        case=case,
        report_filed_on=filed_on,
        issued_on=today,
        issued_by=actor,
        organisation=settings.LONGARM_ORGANISATION_NAME,
        signatory_name=signatory_name,
        signatory_role=signatory_role,
        code_hash=code_hash(reference, code),
    )
    attestation.signature = sign(current_keyring().signing_seed, attestation_message(attestation))
    attestation.save()
    audit_case_act(actor, f"attestation.issue:{reference}", case)
    return IssuedAttestation(attestation=attestation, code=code)


@transaction.atomic
def attestation_revoke(*, actor: StaffUser, attestation: Attestation) -> Attestation:
    """Withdraw an attestation, after which verification answers "revoked".

    Raises ``NotAllowed`` if it already is revoked.
    """
    if attestation.revoked_on is not None:
        raise NotAllowed
    attestation.revoked_on = timezone.now().date()
    attestation.save(update_fields=["revoked_on"])
    audit_case_act(actor, f"attestation.revoke:{attestation.reference}", attestation.case)
    return attestation


def _limits(session_key: str | None) -> list[Limit]:
    # A nuisance limit per browser session, as for wrong receipts. There is no site-wide limit (anonymous
    # traffic could then lock everyone out, the staff command included): public checks pay the gate in the
    # view instead, and the staff command on the server (``session_key`` None) is never limited.
    window = timedelta(seconds=settings.LONGARM_RECEIPT_WINDOW_SECONDS)
    limits: list[Limit] = []
    if session_key is not None:
        limits.append(
            Limit(
                scope="attestation-session",
                key=hashed_key("attestation-session", session_key),
                maximum=settings.LONGARM_RECEIPT_ATTEMPTS_PER_SESSION,
                window=window,
            )
        )
    return limits


def attestation_verify(*, reference: str, code: str, session_key: str | None) -> Verification:
    """Answer valid, invalid or revoked, and nothing else: a wrong code for a revoked or a real reference
    is as invalid as an unknown reference. ``session_key`` is None for the command line. Checks are audited
    with their outcome only, what was typed stays out of the chain: the public page's are counted per window
    (``audit.tally``), so that a flood of codes, wrong or right, cannot flood the chain; the command line's,
    run by staff on the server, are chained one by one.

    Raises ``TooManyAttempts`` when the browser session has had too many wrong codes.
    """
    with transaction.atomic():
        checked = _check(reference=reference, code=code, session_key=session_key)
        outcome = checked.verdict.value if checked else "throttled"
        if session_key is None:
            audit_append(
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                action=f"attestation.verify:{outcome}",
                object_type="attestation",
            )
        else:
            audit_count(action="attestation.verify", outcome=outcome)
    if checked is None:
        raise TooManyAttempts
    return checked


def _check(*, reference: str, code: str, session_key: str | None) -> Verification | None:
    """The verdict, or None when too many wrong codes were tried."""
    limits = _limits(session_key)
    if any(is_exceeded(limit) for limit in limits):
        return None
    reference = normalise_reference(reference)
    attestation = Attestation.objects.filter(reference=reference).first()
    supplied = code_hash(reference, code)
    # Compared even for an unknown reference, so timing does not tell whether a reference exists.
    expected = bytes(attestation.code_hash) if attestation else bytes(len(supplied))
    if not hmac.compare_digest(supplied, expected) or attestation is None:
        for limit in limits:
            record_failure(limit)
        return Verification(Verdict.INVALID, None)
    # Signed by today's key or by one a signing-key rotation retired after the attestation was issued.
    signer = own_signer(attestation_message(attestation), bytes(attestation.signature))
    if signer is None or (signer.retired_at is not None and attestation.issued_on > signer.retired_at.date()):
        return Verification(Verdict.INVALID, None)
    return Verification(Verdict.REVOKED if attestation.revoked_on else Verdict.VALID, attestation)
