import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from longarm.accounts.models import StaffUser
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.audit.tally import audit_count
from longarm.core.keyring import current_keyring, receipt_cost
from longarm.core.outbox import REPORT_SUBMITTED, ReportArrival, publish
from longarm.core.throttle import Limit, hashed_key, is_exceeded, record_failure
from longarm.crypto.envelopes import encrypt, new_data_key, unseal
from longarm.crypto.errors import DecryptionError
from longarm.crypto.kdf import new_salt
from longarm.crypto.receipts import new_receipt, receipt_lookup_hash, reporter_keypair
from longarm.evidence.services import evidence_attach
from longarm.evidence.uploads import EncryptedUpload
from longarm.intake.answers import ReportAnswers
from longarm.intake.contexts import answers_context, calls_context, identity_context, message_context
from longarm.intake.exceptions import (
    AlreadySubmitted,
    ReceiptRefused,
    ReportShredded,
    TooManyAttempts,
    TooManyMessages,
)
from longarm.intake.models import (
    REVIEWABLE_CONSENTS,
    Consent,
    IntakeChannel,
    KeyKind,
    Message,
    MessageAuthor,
    ReadMark,
    RecipientKind,
    Report,
    ReportStatus,
    SealedKey,
    ShreddedReceipt,
)
from longarm.intake.sealing import holder_seal, new_report_recipients, staff_seals
from longarm.taxonomy.vocabularies import urgency_for

_EMPTY_SALT = bytes(16)


@dataclass(frozen=True)
class Submission:
    report: Report
    receipt: str


@dataclass(frozen=True)
class OpenedReport:
    report: Report
    data_key: bytes
    identity_key: bytes


@dataclass(frozen=True)
class ReporterCredentials:
    """A new receipt and what a report keeps of it: lookup hash, key salt, the reporter's public key."""

    receipt: str
    lookup_hash: bytes
    salt: bytes
    public_key: bytes


def reporter_credentials_new(receipt: str | None = None) -> ReporterCredentials:
    """Run the two Argon2id derivations (the lookup hash, the reporter's key pair) of ``receipt``, or of a new
    receipt drawn here.

    Call it before opening a transaction: SQLite's transactions here are immediate, so derivations inside one
    would hold the database's write lock for their whole duration and queue every other submission behind
    them — which is what made intake's throughput fall to a fraction of its Argon2id floor (issue 13).
    """
    keyring = current_keyring()
    cost = receipt_cost()
    receipt = receipt or new_receipt()
    salt = new_salt()
    return ReporterCredentials(
        receipt=receipt,
        lookup_hash=receipt_lookup_hash(receipt, pepper=keyring.receipt_pepper, cost=cost),
        salt=salt,
        public_key=reporter_keypair(receipt, salt=salt, pepper=keyring.receipt_pepper, cost=cost).public,
    )


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def report_submit(
    *,
    answers: ReportAnswers,
    consent: Consent,
    statistics_consent: bool,
    language: str,
    intake_channel: IntakeChannel = IntakeChannel.WEB,
    operator: StaffUser | None = None,
    evidence: Sequence[EncryptedUpload] = (),
    survey_campaign: uuid.UUID | None = None,
    credentials: ReporterCredentials | None = None,
    receipt: str | None = None,
    call: Mapping[str, object] | None = None,
) -> Submission:
    """Encrypt and store a new report; return it with its receipt, which is never stored anywhere.

    The report key is sealed to the reporter, the recovery key and — if the consent allows review — to the
    staff chosen to receive new reports; the identity key to the reporter, the recovery key and custodians.
    A hotline ``operator`` who entered the report on a caller's behalf, having read the consent out, is
    recorded as such and gets the report key too (DESIGN §5: operators see the reports they enter) — unless
    the caller chose statistics only, which no staff member reads (threat model G2), the operator included.

    ``call``: a hotline call's details (``cases.hotline``), kept encrypted as the report's first call.

    ``receipt`` is one the reporter was shown and typed back before sending (``intake.steps``); without it
    (and without ``credentials``) a new one is drawn.

    Whatever is derived from a report (statistics, a survey response for the ``survey_campaign`` whose link
    the reporter followed, blind indexes) is published as ``report.submitted`` and derived after commit by
    its subscribers (``core.outbox``): this transaction writes the report, its seals, evidence rows and audit.

    A caller that wraps this in its own transaction passes ``credentials`` made before it
    (``reporter_credentials_new``), so that no Argon2id derivation runs while the transaction is open.

    Raises:
        AlreadySubmitted: if a report with this receipt is stored already (the same submission sent twice).
    """
    keyring = current_keyring()
    credentials = credentials or reporter_credentials_new(receipt)
    data_key, identity_key = new_data_key(), new_data_key()
    public_id = uuid.uuid4()
    content = {**answers.content(), "language": language}
    coded: dict[str, object] = {}
    if statistics_consent:
        date = answers.incident_date
        coded = {
            "community": answers.community,
            "host_country": answers.host_country,
            "host_region": answers.host_region,
            "incident_year": date.year,
            "incident_month": date.month,
            "tactic_codes": sorted(answers.tactics),
            "actor_codes": sorted(answers.actor_types),
            "channel_codes": sorted(answers.channels),
            "language": language,
        }
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    public_id=public_id,
                    received_on=timezone.now().date(),
                    intake_channel=intake_channel,
                    consent_read_out_by=operator,
                    consent=consent,
                    statistics_consent=statistics_consent,
                    receipt_lookup_hash=credentials.lookup_hash,
                    reporter_salt=credentials.salt,
                    reporter_public_key=credentials.public_key,
                    answers_ciphertext=encrypt(data_key, _json(content), context=answers_context(public_id)),
                    identity_ciphertext=encrypt(
                        identity_key, _json(answers.identity()), context=identity_context(public_id)
                    ),
                    calls_ciphertext=(
                        encrypt(data_key, _json([dict(call)]), context=calls_context(public_id))
                        if call
                        else b""
                    ),
                    urgency=urgency_for(answers.tactics),
                    **coded,
                )
        except IntegrityError as error:
            # A resubmission (a reload after the answer was lost) or two copies racing: the receipt is taken.
            # Checked only on the unique constraint's refusal, so the usual submission pays no extra query.
            if Report.objects.filter(receipt_lookup_hash=credentials.lookup_hash).exists():
                raise AlreadySubmitted from error
            raise
        # Every seal in one insert: the reporter's and the recovery key's of both keys, then the staff's.
        readers, holders = new_report_recipients()
        seals = [
            holder_seal(report=report, kind=kind, key=key, holder=holder, public_key=public_key)
            for kind, key in ((KeyKind.DATA, data_key), (KeyKind.IDENTITY, identity_key))
            for holder, public_key in (
                (RecipientKind.REPORTER, credentials.public_key),
                (RecipientKind.RECOVERY, keyring.recovery_public_key),
            )
        ]
        if consent in REVIEWABLE_CONSENTS:
            seals += staff_seals(report=report, kind=KeyKind.DATA, key=data_key, staff=readers)
        seals += staff_seals(report=report, kind=KeyKind.IDENTITY, key=identity_key, staff=holders)
        if operator is not None and consent in REVIEWABLE_CONSENTS:
            seals += staff_seals(report=report, kind=KeyKind.DATA, key=data_key, staff=[operator])
        SealedKey.objects.bulk_create(seals)
        if evidence:
            evidence_attach(report=report, data_key=data_key, uploads=evidence, actor=operator)
        publish(
            REPORT_SUBMITTED,
            object_id=str(report.pk),
            payload={"survey_campaign": str(survey_campaign)} if survey_campaign else None,
            arrival=ReportArrival(
                report_pk=report.pk,
                public_id=public_id,
                data_key=data_key,
                content=content,
                staff_may_read=consent in REVIEWABLE_CONSENTS,
            ),
        )
        audit_append(
            actor=operator,
            actor_kind=ActorKind.STAFF if operator else ActorKind.REPORTER,
            action="report.submit",
            object_type="report",
            object_id=str(public_id),
        )
    return Submission(report=report, receipt=credentials.receipt)


def _session_limit(session_key: str) -> Limit:
    # A nuisance for one browser session, nothing more: there is deliberately no site-wide limit, which would
    # let anyone close every mailbox (issue 11). Each attempt pays the gate instead, before it gets here.
    return Limit(
        scope="receipt-session",
        key=hashed_key("receipt-session", session_key),
        maximum=settings.LONGARM_RECEIPT_ATTEMPTS_PER_SESSION,
        window=timedelta(seconds=settings.LONGARM_RECEIPT_WINDOW_SECONDS),
    )


def report_open_with_receipt(*, receipt: str, session_key: str) -> OpenedReport:
    """Find the report a receipt belongs to and open its keys with the reporter's derived key pair.

    Raises ``TooManyAttempts`` when this browser session has had too many wrong receipts (other sessions are
    not affected), ``ReportShredded`` for the receipt of a report removed under the retention policy (not
    counted as a wrong attempt), and ``ReceiptRefused`` for a receipt that opens nothing. Both Argon2id
    derivations run whether or not the receipt exists, so response time does not tell a guesser that a
    receipt is real. Every
    attempt is counted per window by its outcome (``audit.tally``), never chained one by one: anyone may try,
    and one receipt may be tried again and again.
    """
    limit = _session_limit(session_key)
    if is_exceeded(limit):
        audit_count(action="report.open", outcome="throttled")
        raise TooManyAttempts
    keyring = current_keyring()
    cost = receipt_cost()
    lookup_hash = receipt_lookup_hash(receipt, pepper=keyring.receipt_pepper, cost=cost)
    report = Report.objects.filter(receipt_lookup_hash=lookup_hash).first()
    reporter = reporter_keypair(
        receipt,
        salt=bytes(report.reporter_salt) if report else _EMPTY_SALT,
        pepper=keyring.receipt_pepper,
        cost=cost,
    )
    if report is None:
        if ShreddedReceipt.objects.filter(receipt_lookup_hash=lookup_hash).exists():
            # The receipt was right: not a wrong guess, so not counted against the session's attempts.
            audit_count(action="report.open", outcome="shredded")
            raise ReportShredded
        record_failure(limit)
        audit_count(action="report.open", outcome="refused")
        raise ReceiptRefused
    sealed = {
        item.kind: bytes(item.sealed)
        for item in report.sealed_keys.filter(recipient_kind=RecipientKind.REPORTER)
    }
    try:
        opened = OpenedReport(
            report=report,
            data_key=unseal(reporter.private, sealed[KeyKind.DATA]),
            identity_key=unseal(reporter.private, sealed[KeyKind.IDENTITY]),
        )
    except (KeyError, DecryptionError) as error:
        audit_count(action="report.open", outcome="refused")
        raise ReceiptRefused from error
    audit_count(action="report.open", outcome="opened")
    return opened


@transaction.atomic
def message_post(
    *,
    report: Report,
    data_key: bytes,
    text: str,
    author: StaffUser | None,
    relayed_by: StaffUser | None = None,
) -> Message:
    """Add an encrypted message to the report's thread from its reporter (``author=None``) or staff.

    A staff member's message is chained and dated to the minute; the reporter's are counted per window
    (``audit.tally``), since a receipt lets its holder post as often as they like, and dated to the day (UTC),
    since the time a reporter wrote could be matched against a watched connection. Raises ``TooManyMessages``
    when the reporter has already written ``LONGARM_REPORTER_MESSAGES_PER_DAY`` messages today: one paid
    submission must not buy unbounded storage and a flooded staff inbox.

    ``relayed_by``: the hotline operator who typed what the reporter said on the phone (``author=None``). The
    message is the reporter's, dated to the day like theirs, with the operator recorded and chained as the
    one who entered it; no daily limit applies to staff.
    """
    if relayed_by is not None:
        return _message_relayed(report=report, data_key=data_key, text=text, operator=relayed_by)
    if author is None:
        daily = _reporter_message_limit(report)
        if is_exceeded(daily):
            raise TooManyMessages
        record_failure(daily)
    message_id = uuid.uuid4()
    now = timezone.now()
    message = Message.objects.create(
        public_id=message_id,
        report=report,
        author_kind=MessageAuthor.STAFF if author else MessageAuthor.REPORTER,
        author=author,
        created_at=(
            now.replace(second=0, microsecond=0)
            if author
            else now.replace(hour=0, minute=0, second=0, microsecond=0)
        ),
        ciphertext=encrypt(data_key, text.encode(), context=message_context(report.public_id, message_id)),
    )
    if author is not None and report.status in {ReportStatus.RECEIVED, ReportStatus.READ}:
        report.status = ReportStatus.ANSWERED
        report.save(update_fields=["status"])
    if author is None:
        audit_count(action="message.create", outcome="reporter")
        return message
    audit_append(
        actor=author,
        actor_kind=ActorKind.STAFF,
        action="message.create",
        object_type="report",
        object_id=str(report.public_id),
    )
    return message


def _message_relayed(*, report: Report, data_key: bytes, text: str, operator: StaffUser) -> Message:
    message_id = uuid.uuid4()
    message = Message.objects.create(
        public_id=message_id,
        report=report,
        author_kind=MessageAuthor.REPORTER,
        author=operator,
        created_at=timezone.now().replace(hour=0, minute=0, second=0, microsecond=0),
        ciphertext=encrypt(data_key, text.encode(), context=message_context(report.public_id, message_id)),
    )
    audit_append(
        actor=operator,
        actor_kind=ActorKind.STAFF,
        action="message.create:hotline",
        object_type="report",
        object_id=str(report.public_id),
    )
    return message


def _reporter_message_limit(report: Report) -> Limit:
    # Keyed by a keyed hash of the report, never its id; a day's window, as the messages' dates are.
    return Limit(
        scope="reporter-messages",
        key=hashed_key("reporter-messages", str(report.public_id)),
        maximum=settings.LONGARM_REPORTER_MESSAGES_PER_DAY,
        window=timedelta(days=1),
    )


@transaction.atomic
def report_record_read(*, report: Report, staff: StaffUser | None) -> int | None:
    """Audit that the reporter (``staff=None``) or a staff member read the report's content; a staff
    member's first reading marks a new report as read. A staff member's reading is chained; the reporter's
    are counted per window (``audit.tally``), since reloading the mailbox costs nothing.

    A staff member's read mark moves to the report's newest message. Returns the mark as it was before this
    reading (0 if they never opened the report), so that the page can show which messages are new to them;
    ``None`` for the reporter."""
    if staff is None:
        audit_count(action="report.read", outcome="reporter")
        return None
    if report.status == ReportStatus.RECEIVED:
        report.status = ReportStatus.READ
        report.save(update_fields=["status"])
    newest = report.messages.order_by("-position").values_list("position", flat=True).first() or 0
    mark, created = ReadMark.objects.get_or_create(
        staff=staff, report=report, defaults={"seen_up_to": newest}
    )
    previous = 0 if created else mark.seen_up_to
    if not created and mark.seen_up_to != newest:
        mark.seen_up_to = newest
        mark.save(update_fields=["seen_up_to"])
    audit_append(
        actor=staff,
        actor_kind=ActorKind.STAFF,
        action="report.read",
        object_type="report",
        object_id=str(report.public_id),
    )
    return previous
