"""Writes of federated linking: adding or changing a partnership under the two-person rule
(``LONGARM_TWO_PERSON_RULE``: one administrator proposes, a second one approves), and a caseworker's
"contact the partner" message about one identifier a run found in common."""

import hmac
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from longarm.accounts.administration import proposal_lifetime, two_person_rule
from longarm.accounts.models import Proposal, ProposalKind, ProposalStatus, Role, StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.models import Identifier
from longarm.crypto.federation import seal_to_signing_key
from longarm.federation.client import send
from longarm.federation.exceptions import NO_FEDERATION_KEY, PartnerUnreachable, RunRefused, TermsRefused
from longarm.federation.keyset import Sealer, federation_key_exists, offered_context
from longarm.federation.models import MessageSent, Partnership, PartnershipChange
from longarm.federation.runs import element_digest
from longarm.federation.selectors import findings_for
from longarm.federation.server import TOO_MANY_MESSAGES
from longarm.federation.terms import Terms, change_digest, check_terms
from longarm.federation.wire import b64


def _audit(actor: StaffUser, action: str, object_type: str, object_id: str) -> None:
    audit_append(
        actor=actor, actor_kind=ActorKind.STAFF, action=action, object_type=object_type, object_id=object_id
    )


def _require_admin(actor: StaffUser) -> None:
    if actor.role != Role.ADMIN or not actor.is_active:
        raise TermsRefused(_("Only an active administrator can do this."))


def _apply(terms: Terms, partnership: Partnership | None, actor: StaffUser) -> Partnership:
    key = check_terms(terms, partnership=partnership)
    now = timezone.now()
    target = partnership or Partnership(created_at=now)
    target.name, target.public_key, target.endpoint = terms.name.strip(), key, terms.endpoint.strip()
    target.kinds, target.mode = sorted(set(terms.kinds)), terms.mode
    target.smallest_set, target.largest_set = terms.smallest_set, terms.largest_set
    target.runs_per_period, target.period_days = terms.runs_per_period, terms.period_days
    target.minimum_change, target.active, target.changed_at = terms.minimum_change, terms.active, now
    target.save()
    _audit(
        actor,
        "federation.partnership:" + ("change" if partnership else "add"),
        "partnership",
        str(target.public_id),
    )
    return target


@dataclass(frozen=True)
class ChangeOutcome:
    proposal: Proposal | None = None
    partnership: Partnership | None = None


def partnership_propose(
    *, actor: StaffUser, terms: Terms, partnership: Partnership | None = None
) -> ChangeOutcome:
    """Propose adding a partner (``partnership`` None) or changing one; with the two-person rule off the
    change is made at once. Returns the waiting proposal or the partnership. Raises ``TermsRefused``."""
    with transaction.atomic():
        _require_admin(actor)
        check_terms(terms, partnership=partnership)
        if not two_person_rule():
            return ChangeOutcome(partnership=_apply(terms, partnership, actor))
        waiting = PartnershipChange.objects.filter(
            proposal__status=ProposalStatus.PENDING, proposal__expires_at__gt=timezone.now()
        )
        if partnership is not None and waiting.filter(partnership=partnership).exists():
            raise TermsRefused(_("A change of this partnership is already waiting for approval."))
        now = timezone.now()
        proposal = Proposal.objects.create(
            kind=ProposalKind.PARTNERSHIP,
            proposed_by=actor,
            proposed_at=now,
            expires_at=now + proposal_lifetime(),
        )
        PartnershipChange.objects.create(proposal=proposal, partnership=partnership, terms=terms.as_json())
        _audit(actor, "proposal.make:partnership", "proposal", str(proposal.public_id))
    return ChangeOutcome(proposal=proposal)


def _pending(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
    if locked.kind != ProposalKind.PARTNERSHIP or locked.status != ProposalStatus.PENDING:
        raise TermsRefused(_("This proposal was already decided."))
    if locked.expired:
        raise TermsRefused(_("This proposal has lapsed. Propose the change again if it is still needed."))
    return locked


def partnership_approve(*, actor: StaffUser, proposal: Proposal, digest: str) -> Partnership:
    """Approve a partnership change as the second administrator and make it; returns the partnership.
    ``digest`` is the :func:`change_digest` of the change the approver was shown.

    Raises ``TermsRefused`` when ``actor`` proposed it, it was decided or lapsed, it or the partnership
    changed since it was shown, or it can no longer be made."""
    with transaction.atomic():
        _require_admin(actor)
        proposal = _pending(proposal)
        if proposal.proposed_by_id == actor.pk:
            raise TermsRefused(_("You proposed this change: a second administrator must approve it."))
        change = PartnershipChange.objects.select_related("partnership").get(proposal=proposal)
        if change.partnership is not None:
            # Read under the lock, so the terms compared are the terms changed.
            change.partnership = Partnership.objects.select_for_update(no_key=True).get(
                pk=change.partnership.pk
            )
        if not hmac.compare_digest(change_digest(change), digest):
            raise TermsRefused(
                _(
                    "The proposal or the partnership changed after the page you approved from was shown. "
                    "Review the change again."
                )
            )
        partnership = _apply(Terms.from_json(change.terms), change.partnership, actor)
        proposal.status, proposal.decided_by, proposal.decided_at = (
            ProposalStatus.APPROVED,
            actor,
            timezone.now(),
        )
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(actor, "proposal.approve:partnership", "proposal", str(proposal.public_id))
    return partnership


def partnership_reject(*, actor: StaffUser, proposal: Proposal) -> Proposal:
    """Reject a partnership change (withdraw it, when ``actor`` proposed it); returns the proposal."""
    with transaction.atomic():
        _require_admin(actor)
        proposal = _pending(proposal)
        withdrawn = proposal.proposed_by_id == actor.pk
        proposal.status = ProposalStatus.WITHDRAWN if withdrawn else ProposalStatus.REJECTED
        proposal.decided_by, proposal.decided_at = actor, timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(actor, f"proposal.{proposal.status}:partnership", "proposal", str(proposal.public_id))
    return proposal


def _matched_keys(identifier: Identifier, elements: list[str], partnership: Partnership) -> list[list[str]]:
    """The (scheme, value) of each strong key of ``identifier`` that the run found in common (digests
    ``elements``): not the identifier's other keys, which the partner may not hold."""
    sealer, context, wanted = Sealer(), offered_context(identifier), set(elements)
    keys = []
    for row in identifier.offered_keys.filter(scheme__in=list(partnership.kinds)).order_by("id"):
        plain = sealer.open(bytes(row.ciphertext), context=context).decode()
        if element_digest(plain) in wanted:
            keys.append(plain.split("\x00", 1))
    return keys


def _message_allowed(actor: StaffUser, identifier: Identifier, partnership: Partnership) -> bool:
    """Count one message to ``partnership`` against ``LONGARM_FEDERATION_MESSAGES_PER_DAY`` (attempts count,
    delivered or not); False, audited, when the limit is reached."""
    now = timezone.now()
    with transaction.atomic():
        Partnership.objects.select_for_update(no_key=True).get(pk=partnership.pk)
        sent = MessageSent.objects.filter(
            partnership=partnership, sent_at__gt=now - timedelta(days=1)
        ).count()
        if sent >= settings.LONGARM_FEDERATION_MESSAGES_PER_DAY:
            _audit(
                actor,
                f"federation.message:refused:{TOO_MANY_MESSAGES}",
                "identifier",
                f"{identifier.public_id}>{partnership.public_id}",
            )
            return False
        MessageSent.objects.create(partnership=partnership, sent_at=now)
    return True


def partner_contact(*, actor: StaffUser, identifier: Identifier, partnership: Partnership) -> None:
    """Send the partner's administrators a message naming ``identifier`` (the strong keys of it that the
    run found in common) and nothing else of the case, sealed to the partner's signing key and sent signed;
    audited on both sides. At most ``LONGARM_FEDERATION_MESSAGES_PER_DAY`` per partnership.

    ``identifier`` comes from an access selector (the actor holds its case). Raises ``RunRefused`` when no
    run with this partner found the identifier, the limit is reached or the partner refuses the message,
    ``PartnerUnreachable`` when it cannot be delivered.
    """
    if not federation_key_exists():
        raise RunRefused(NO_FEDERATION_KEY)
    found = findings_for([identifier]).get(identifier.pk, [])
    run = next((item for item in found if item.partnership.pk == partnership.pk), None)
    if run is None:
        raise RunRefused("not_found")
    keys = _matched_keys(identifier, run.elements, partnership)
    if not keys:
        # The identifier changed since the run: what it holds now was not found in common.
        raise RunRefused("not_found")
    if not _message_allowed(actor, identifier, partnership):
        raise RunRefused(TOO_MANY_MESSAGES)
    content = json.dumps(
        {
            "identifiers": [{"kind": scheme, "value": value} for scheme, value in keys],
            "run_on": run.run_on.isoformat(),
        },
        ensure_ascii=False,
    ).encode()
    sealed = seal_to_signing_key(bytes(partnership.public_key), content)
    try:
        status, reply, _exchange = send(
            partnership=partnership, action="message", payload={"sealed": b64(sealed)}
        )
    except PartnerUnreachable:
        _audit(
            actor,
            "federation.message:unreachable",
            "identifier",
            f"{identifier.public_id}>{partnership.public_id}",
        )
        raise
    with transaction.atomic():
        outcome = "sent" if status == "ok" else "refused"
        _audit(
            actor,
            f"federation.message:{outcome}",
            "identifier",
            f"{identifier.public_id}>{partnership.public_id}",
        )
    if status != "ok":
        raise RunRefused(str(reply.get("reason", "refused"))[:24])
