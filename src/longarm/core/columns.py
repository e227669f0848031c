"""Every database column, classified by what it may reveal at rest (DESIGN §3: "Every column is classified").

A thief of the database sees every column that is not ciphertext. A reporter-derived value (a hash of their
file, its size, the time they wrote, a phone number they gave) must therefore be ciphertext, a keyed index,
a coded value that DESIGN §3 keeps in clear, or a coarse date. ``tests/test_column_classification.py`` walks
every concrete field of every installed app and fails on any column missing here, so a new column is
classified before it lands; ``docs/threat-model.md`` ("Columns at rest") is generated from this table by
:func:`markdown` and checked against it.
"""

from collections.abc import Iterable
from enum import StrEnum

from django.db import models


class ColumnClass(StrEnum):
    CIPHERTEXT = "ciphertext"
    KEYED_INDEX = "keyed index"
    CODED = "coded value in clear by design"
    COARSE_TIME = "coarse timestamp"
    KEY = "foreign key/primary key"
    METADATA = "staff/system metadata"


DESCRIPTIONS: dict[ColumnClass, str] = {
    ColumnClass.CIPHERTEXT: (
        "XChaCha20-Poly1305 under a per-report, per-case or per-file key, or a key sealed (X25519) to one "
        "holder; the associated data names the row and field. Reveals its length only (evidence records "
        "and hashes are padded to one length)."
    ),
    ColumnClass.KEYED_INDEX: (
        "A keyed hash, or a value derived under a key from the keyring (pepper, linking key, index key): "
        "without the keyring it cannot be tested against a guess; it still shows which rows are equal."
    ),
    ColumnClass.CODED: (
        "A value from a closed vocabulary (tactic, community, region, month, channel, language, urgency, "
        "consent) that DESIGN §3 keeps in clear, coarsened, for triage and statistics; for a reporter who "
        "declined statistics the report's own coded fields stay empty and everything is in ciphertext."
    ),
    ColumnClass.COARSE_TIME: (
        "A date without a time (a day), a time of which the code keeps only the day for reporter-"
        "originated rows, or a time rounded to a whole hour or counting window; the note says which."
    ),
    ColumnClass.KEY: (
        "A primary key, a foreign key or a random public identifier (UUID 4): it links rows, and says "
        "nothing of what a reporter sent."
    ),
    ColumnClass.METADATA: (
        "Written by staff or by the system about its own work: accounts, roles, workflow states, staff "
        "acts and their times, random storage names and salts, the audit chain, task and throttle state."
    ),
}

_CIPHER, _INDEX, _CODED, _DAY, _KEY, _META = (
    ColumnClass.CIPHERTEXT,
    ColumnClass.KEYED_INDEX,
    ColumnClass.CODED,
    ColumnClass.COARSE_TIME,
    ColumnClass.KEY,
    ColumnClass.METADATA,
)

_BY_MODEL: dict[str, dict[str, ColumnClass]] = {
    # Django and third-party apps.
    "auth.Permission": {"id": _KEY, "name": _META, "content_type": _KEY, "codename": _META},
    "auth.Group": {"id": _KEY, "name": _META},
    "auth.Group_permissions": {"id": _KEY, "group": _KEY, "permission": _KEY},
    "contenttypes.ContentType": {"id": _KEY, "app_label": _META, "model": _META},
    "sessions.Session": {"session_key": _KEY, "session_data": _META, "expire_date": _META},
    "django_otp_webauthn.WebAuthnCredential": {
        "id": _KEY,
        "user": _KEY,
        "name": _META,
        "confirmed": _META,
        "created_at": _META,
        "last_used_at": _META,
        "credential_type": _META,
        "credential_id": _META,
        "public_key": _META,
        "transports": _META,
        "sign_count": _META,
        "backup_eligible": _META,
        "backup_state": _META,
        "aaguid": _META,
        "credential_id_sha256": _META,
        "discoverable": _META,
    },
    "django_otp_webauthn.WebAuthnAttestation": {
        "id": _KEY,
        "fmt": _META,
        "data": _META,
        "client_data_json": _META,
        "credential": _KEY,
    },
    "django_otp_webauthn.WebAuthnUserHandle": {"handle_hex": _META, "user": _KEY},
    "otp_totp.TOTPDevice": {
        "id": _KEY,
        "user": _KEY,
        "name": _META,
        "confirmed": _META,
        "throttling_failure_timestamp": _META,
        "throttling_failure_count": _META,
        "created_at": _META,
        "last_used_at": _META,
        "key": _META,
        "step": _META,
        "t0": _META,
        "digits": _META,
        "tolerance": _META,
        "drift": _META,
        "last_t": _META,
    },
    "django_tasks_database.DBTaskResult": {
        "id": _KEY,
        "status": _META,
        "enqueued_at": _META,
        "started_at": _META,
        "finished_at": _META,
        "args_kwargs": _META,
        "priority": _META,
        "task_path": _META,
        "worker_ids": _META,
        "queue_name": _META,
        "backend_name": _META,
        "run_after": _META,
        "return_value": _META,
        "exception_class_path": _META,
        "traceback": _META,
    },
    # Longarm.
    "core.ThrottleCounter": {
        "id": _KEY,
        "scope": _META,
        "key": _INDEX,
        "window_start": _META,
        "count": _META,
    },
    "notifications.DigestSubscription": {"id": _KEY, "staff": _KEY, "address": _META},
    "notifications.DigestSent": {"id": _KEY, "staff": _KEY, "window_start": _META},
    "backup.BackupRecord": {"id": _KEY, "created_on": _META, "file_name": _META},
    "recovery.RecoveryRotation": {
        "id": _KEY,
        "old_public_key": _META,
        "new_public_key": _META,
        "started_at": _META,
        "finished_at": _META,
        "stage": _META,
        "last_id": _KEY,
        "resealed": _META,
    },
    "operations.WorkerHeartbeat": {"id": _KEY, "worker": _META, "beat_at": _META},
    "core.OutboxEvent": {"id": _KEY, "topic": _META, "object_id": _KEY, "payload": _INDEX},
    "core.OutboxPending": {"id": _KEY, "event": _KEY, "subscriber": _META},
    "audit.AuditEvent": {
        "id": _KEY,
        "created_at": _META,
        "actor_kind": _META,
        "actor": _KEY,
        "action": _META,
        "object_type": _META,
        "object_id": _KEY,
        "previous_hash": _META,
        "event_hash": _META,
    },
    "audit.AuditHead": {"id": _KEY, "last_hash": _META, "reporter_events_since": _DAY},
    "audit.ReporterEvent": {
        "id": _KEY,
        "day": _DAY,
        "actor_kind": _META,
        "action": _META,
        "object_type": _META,
        "object_id": _KEY,
    },
    "audit.AuditTally": {
        "id": _KEY,
        "action": _META,
        "outcome": _META,
        "window_start": _DAY,
        "window_end": _DAY,
        "count": _META,
    },
    "gate.SpentToken": {"id": _KEY, "digest": _INDEX, "expires_at": _DAY},
    "audit.AuditCheckpoint": {
        "id": _KEY,
        "last_event_id": _KEY,
        "last_hash": _META,
        "event_count": _META,
        "created_at": _META,
        "signature": _META,
    },
    "accounts.StaffUser": {
        "id": _KEY,
        "password": _META,
        "last_login": _META,
        "is_superuser": _META,
        "username": _META,
        "first_name": _META,
        "last_name": _META,
        "email": _META,
        "is_staff": _META,
        "is_active": _META,
        "date_joined": _META,
        "role": _META,
        "public_key": _META,
        "private_key_salt": _META,
        "private_key_locked": _CIPHER,
        "private_key_opslimit": _META,
        "private_key_memlimit": _META,
        "receives_new_reports": _META,
    },
    "accounts.SecondFactorPolicy": {
        "id": _KEY,
        "role": _META,
        "totp_allowed": _META,
        "changed_at": _META,
        "changed_by": _KEY,
    },
    "accounts.Proposal": {
        "id": _KEY,
        "public_id": _KEY,
        "kind": _META,
        "status": _META,
        "staff": _KEY,
        "username": _META,
        "role": _META,
        "receives": _META,
        "accept_unheld": _META,
        "disclosure": _KEY,
        "proposed_by": _KEY,
        "proposed_at": _META,
        "expires_at": _META,
        "decided_by": _KEY,
        "decided_at": _META,
    },
    "accounts.Enrolment": {
        "id": _KEY,
        "staff": _KEY,
        "token_hash": _INDEX,
        "expires_at": _META,
        "wrong_passwords": _META,
        "created_by": _KEY,
    },
    "accounts.StaffUser_groups": {"id": _KEY, "staffuser": _KEY, "group": _KEY},
    "accounts.StaffUser_user_permissions": {"id": _KEY, "staffuser": _KEY, "permission": _KEY},
    "intake.Report": {
        "id": _KEY,
        "public_id": _KEY,
        "received_on": _DAY,
        "status": _META,
        "intake_channel": _CODED,
        "consent_read_out_by": _KEY,
        "consent": _CODED,
        "statistics_consent": _CODED,
        "receipt_lookup_hash": _INDEX,
        "reporter_salt": _META,
        "reporter_public_key": _INDEX,
        "answers_ciphertext": _CIPHER,
        "identity_ciphertext": _CIPHER,
        "calls_ciphertext": _CIPHER,
        "urgency": _CODED,
        "urgency_set_by": _KEY,
        "urgency_reason_ciphertext": _CIPHER,
        "community": _CODED,
        "host_country": _CODED,
        "host_region": _CODED,
        "incident_year": _CODED,
        "incident_month": _CODED,
        "tactic_codes": _CODED,
        "actor_codes": _CODED,
        "channel_codes": _CODED,
        "language": _CODED,
        "awaiting_reply": _META,
        "last_reporter_message": _META,
    },
    "intake.ShreddedReceipt": {"id": _KEY, "receipt_lookup_hash": _INDEX, "shredded_in": _DAY},
    "retention.RetentionHold": {
        "id": _KEY,
        "report": _KEY,
        "case": _KEY,
        "until": _META,
        "reason": _META,
        "created_by": _KEY,
        "created_on": _META,
    },
    "intake.SealedKey": {
        "id": _KEY,
        "report": _KEY,
        "kind": _META,
        "recipient_kind": _META,
        "staff": _KEY,
        "sealed": _CIPHER,
    },
    "intake.Message": {
        "id": _KEY,
        "public_id": _KEY,
        "report": _KEY,
        "position": _META,
        "author_kind": _META,
        "author": _KEY,
        "created_at": _DAY,
        "ciphertext": _CIPHER,
    },
    "intake.ReadMark": {"id": _KEY, "staff": _KEY, "report": _KEY, "seen_up_to": _META},
    "cases.Case": {
        "id": _KEY,
        "public_id": _KEY,
        "reference": _META,
        "status": _META,
        "urgency": _CODED,
        "opened_on": _DAY,
        "status_changed_on": _DAY,
        "due_on": _DAY,
        "due_sort": _DAY,
        "do_not_remove": _META,
        "summary_ciphertext": _CIPHER,
    },
    "cases.CaseKey": {"id": _KEY, "case": _KEY, "kind": _META, "staff": _KEY, "sealed": _CIPHER},
    "cases.SearchSegment": {
        "id": _KEY,
        "staff": _KEY,
        "generation": _META,
        "part": _META,
        "sealed": _CIPHER,
    },
    "cases.SearchDelta": {"id": _KEY, "staff": _KEY, "tag": _KEY, "sealed": _CIPHER},
    "cases.Assignment": {"id": _KEY, "case": _KEY, "staff": _KEY, "assigned_by": _KEY, "assigned_on": _DAY},
    "cases.CaseReport": {"id": _KEY, "case": _KEY, "report": _KEY},
    "cases.CaseCode": {"id": _KEY, "case": _KEY, "term": _CODED, "incident": _KEY, "report": _KEY},
    "cases.Note": {
        "id": _KEY,
        "public_id": _KEY,
        "case": _KEY,
        "author": _KEY,
        "created_at": _META,
        "ciphertext": _CIPHER,
    },
    "cases.Incident": {
        "id": _KEY,
        "public_id": _KEY,
        "case": _KEY,
        "year": _CODED,
        "month": _CODED,
        "day": _CODED,
        "precision": _CODED,
        "approximate": _CODED,
        "tactics": _CODED,
        "channels": _CODED,
        "actors": _CODED,
        "harms": _CODED,
        "host_country": _CODED,
        "host_region": _CODED,
        "origin_region": _CODED,
        "description_ciphertext": _CIPHER,
    },
    "cases.Person": {
        "id": _KEY,
        "public_id": _KEY,
        "case": _KEY,
        "role": _CODED,
        "label": _META,
        "details_ciphertext": _CIPHER,
        "identity_ciphertext": _CIPHER,
    },
    "cases.Involvement": {"id": _KEY, "incident": _KEY, "person": _KEY, "kind": _CODED},
    "cases.Identifier": {
        "id": _KEY,
        "public_id": _KEY,
        "case": _KEY,
        "person": _KEY,
        "kind": _CODED,
        "ciphertext": _CIPHER,
        "blind_index": _INDEX,
    },
    "cases.Referral": {
        "id": _KEY,
        "public_id": _KEY,
        "case": _KEY,
        "kind": _CODED,
        "status": _META,
        "jurisdiction": _CODED,
        "provisions": _CODED,
        "agency": _META,
        "support_type": _CODED,
        "sent_on": _DAY,
        "created_by": _KEY,
        "created_on": _DAY,
        "details_ciphertext": _CIPHER,
        "identity_ciphertext": _CIPHER,
    },
    "cases.ReferralEvent": {
        "id": _KEY,
        "referral": _KEY,
        "status": _META,
        "on": _DAY,
        "by": _KEY,
        "note_ciphertext": _CIPHER,
    },
    "cases.DisclosureRequest": {
        "id": _KEY,
        "public_id": _KEY,
        "report": _KEY,
        "requester": _KEY,
        "requested_on": _DAY,
        "status": _META,
        "decided_by": _KEY,
        "decided_on": _DAY,
        "reason_ciphertext": _CIPHER,
    },
    "cases.DisclosureReasonKey": {"id": _KEY, "request": _KEY, "staff": _KEY, "sealed": _CIPHER},
    "cases.DossierRequest": {
        "id": _KEY,
        "referral": _KEY,
        "requested_by": _KEY,
        "investigator": _KEY,
        "requested_on": _DAY,
        "fulfilled_on": _DAY,
    },
    "cases.Attestation": {
        "id": _KEY,
        "reference": _META,
        "case": _KEY,
        "report_filed_on": _DAY,
        "issued_on": _DAY,
        "issued_by": _KEY,
        "organisation": _META,
        "signatory_name": _META,
        "signatory_role": _META,
        "code_hash": _INDEX,
        "signature": _META,
        "revoked_on": _DAY,
    },
    "api.ApiToken": {
        "id": _KEY,
        "user": _KEY,
        "label": _META,
        "lookup_hash": _INDEX,
        "wrapped_private_key": _CIPHER,
        "created_at": _META,
        "expires_at": _META,
        "last_used_on": _DAY,
        "revoked_at": _META,
        "scopes": _META,
        "bound_session": _CIPHER,
    },
    "evidence.EvidenceItem": {
        "id": _KEY,
        "public_id": _KEY,
        "report": _KEY,
        "position": _META,
        "added_by_kind": _META,
        "added_by": _KEY,
        "received_on": _DAY,
        "name_ciphertext": _CIPHER,
        "record_ciphertext": _CIPHER,
        "kind": _CODED,
        "status": _META,
        "failure_reason": _META,
        "metadata_ciphertext": _CIPHER,
        "attempts": _META,
        "processing_started_at": _META,
    },
    "evidence.EvidenceBlob": {
        "id": _KEY,
        "item": _KEY,
        "variant": _META,
        "storage_name": _META,
        "record_ciphertext": _CIPHER,
    },
    "evidence.EvidenceKey": {"id": _KEY, "blob": _KEY, "holder": _META, "staff": _KEY, "sealed": _CIPHER},
    "evidence.CustodyEvent": {
        "id": _KEY,
        "item": _KEY,
        "position": _META,
        "at": _DAY,
        "action": _META,
        "actor_kind": _META,
        "actor": _KEY,
        "variant": _META,
        "sha256_ciphertext": _CIPHER,
        "detail": _META,
    },
    "evidence.ExportPackage": {
        "id": _KEY,
        "public_id": _KEY,
        "report": _KEY,
        "created_by": _KEY,
        "created_at": _META,
        "manifest_sha256_ciphertext": _CIPHER,
        "file_count": _META,
    },
    "evidence.PendingUpload": {"id": _KEY, "storage_name": _META, "expires_at": _META},
    "analytics.FactIncident": {
        "id": _KEY,
        "source": _CODED,
        "report": _KEY,
        "incident": _KEY,
        "year": _CODED,
        "month": _CODED,
        "community": _CODED,
        "host_country": _CODED,
        "host_region": _CODED,
        "origin_region": _CODED,
        "intake_channel": _CODED,
        "relatives_targeted": _CODED,
        "fh_physical": _CODED,
        "oxus_stage": _CODED,
    },
    "analytics.FactCode": {"id": _KEY, "fact": _KEY, "dimension": _CODED, "code": _CODED},
    "analytics.FactVersion": {
        "id": _KEY,
        "token": _META,
        "reload": _META,
        "inserted": _META,
        "deleted": _META,
    },
    "publication.Release": {
        "id": _KEY,
        "public_id": _KEY,
        "kind": _META,
        "status": _META,
        "scope": _META,
        "row_dimension": _META,
        "column_dimension": _META,
        "filters": _META,
        "threshold": _META,
        "mechanism": _META,
        "epsilon": _META,
        "delta": _META,
        "content": _META,
        "proposed_by": _KEY,
        "proposed_at": _META,
        "decided_by": _KEY,
        "decided_at": _META,
        "decision_reason": _META,
        "withdrawn_by": _KEY,
        "withdrawn_at": _META,
        "withdrawal_reason": _META,
    },
    "publication.PrivacyBudget": {
        "id": _KEY,
        "scope": _META,
        "epsilon_total": _META,
        "delta_total": _META,
        "epsilon_spent": _META,
        "delta_spent": _META,
    },
    "publication.PrivacySpend": {
        "id": _KEY,
        "budget": _KEY,
        "release": _KEY,
        "mechanism": _META,
        "epsilon": _META,
        "delta": _META,
        "created_at": _META,
    },
    "surveys.SurveyCampaign": {
        "id": _KEY,
        "public_id": _KEY,
        "slug": _META,
        "title": _META,
        "community": _CODED,
        "host_country": _CODED,
        "opens_on": _DAY,
        "closes_on": _DAY,
        "closed_early": _META,
        "indicators": _META,
        "created_by": _KEY,
        "created_on": _DAY,
    },
    "surveys.SurveyResponse": {"id": _KEY, "campaign": _KEY, "answers": _CODED},
    "linking.IdentifierKey": {
        "id": _KEY,
        "identifier": _KEY,
        "case": _KEY,
        "scheme": _CODED,
        "strength": _CODED,
        "blind_index": _INDEX,
        "key_version": _META,
    },
    "linking.ReportIdentifier": {
        "id": _KEY,
        "public_id": _KEY,
        "report": _KEY,
        "kind": _CODED,
        "ciphertext": _CIPHER,
        "outcome": _META,
    },
    "linking.ReportIdentifierKey": {
        "id": _KEY,
        "identifier": _KEY,
        "report": _KEY,
        "scheme": _CODED,
        "strength": _CODED,
        "blind_index": _INDEX,
        "key_version": _META,
    },
    "linking.ClusterMembership": {"id": _KEY, "case": _KEY, "cluster": _INDEX},
    "federation.Partnership": {
        "id": _KEY,
        "public_id": _KEY,
        "name": _META,
        "public_key": _META,
        "endpoint": _META,
        "kinds": _META,
        "mode": _META,
        "smallest_set": _META,
        "largest_set": _META,
        "runs_per_period": _META,
        "period_days": _META,
        "minimum_change": _META,
        "active": _META,
        "created_at": _META,
        "changed_at": _META,
    },
    "federation.PartnershipChange": {"id": _KEY, "proposal": _KEY, "partnership": _KEY, "terms": _META},
    "federation.OfferedKey": {"id": _KEY, "identifier": _KEY, "scheme": _CODED, "ciphertext": _CIPHER},
    "federation.Run": {
        "id": _KEY,
        "public_id": _KEY,
        "partnership": _KEY,
        "role": _META,
        "mode": _META,
        "started_at": _META,
        "outcome": _META,
        "refusal": _META,
        "figures_ciphertext": _CIPHER,
        "findings_ciphertext": _CIPHER,
        "started_by": _KEY,
    },
    "federation.PendingAnswer": {
        "id": _KEY,
        "run": _KEY,
        "request_ciphertext": _CIPHER,
        "answer_ciphertext": _CIPHER,
        "expires_at": _META,
    },
    "federation.MessageSent": {"id": _KEY, "partnership": _KEY, "sent_at": _META},
    "federation.SeenNonce": {"id": _KEY, "partnership": _KEY, "nonce": _META, "seen_at": _META},
    "federation.PartnerMessage": {
        "id": _KEY,
        "public_id": _KEY,
        "partnership": _KEY,
        "received_at": _META,
        "sealed": _CIPHER,
    },
    "linking.LinkReview": {
        "id": _KEY,
        "low": _KEY,
        "high": _KEY,
        "blind_index": _INDEX,
        "key_version": _META,
        "decision": _META,
        "decided_by": _KEY,
        "decided_at": _META,
    },
    "linking.AccessRequest": {
        "id": _KEY,
        "case": _KEY,
        "requester": _KEY,
        "because_of": _KEY,
        "status": _META,
        "created_at": _META,
        "decided_by": _KEY,
        "decided_at": _META,
    },
}

COLUMNS: dict[str, ColumnClass] = {
    f"{model}.{field}": column_class
    for model, fields in _BY_MODEL.items()
    for field, column_class in fields.items()
}

# What a class alone does not say, for the columns where it matters; shown in the threat model.
NOTES: dict[str, str] = {
    "sessions.Session.session_data": (
        "signed, not encrypted: what a session keeps of value (a staff private key, an opened mailbox's "
        "report and its keys, kept files, the unsent questionnaire's answers and receipt) is in the vault, "
        "ciphertext under a key only the cookie holds; "
        "it names no report (§5.2)"
    ),
    "sessions.Session.expire_date": (
        "last change plus the session's age: exact for staff; for a reporter rounded up to the next whole "
        "hour, so it dates their last request to the hour (§5.2). Expired rows are deleted by "
        "`longarm housekeeping` (hourly)"
    ),
    "otp_totp.TOTPDevice.key": "the TOTP secret, in clear as django-otp keeps it (§4.3)",
    "django_otp_webauthn.WebAuthnCredential.public_key": (
        "a staff passkey's public key (COSE): it verifies signatures and opens nothing; the private half "
        "never leaves the authenticator (§6)"
    ),
    "django_otp_webauthn.WebAuthnCredential.credential_id_sha256": (
        "SHA-256 of the passkey's credential id, a lookup key for the staff member's own authenticator; "
        "nothing a reporter sent"
    ),
    "django_otp_webauthn.WebAuthnAttestation.data": (
        "what the authenticator returned at enrolment; attestation is not requested (format none), so it "
        "names no make or model beyond the AAGUID, which platform passkeys leave zero"
    ),
    "api.ApiToken.bound_session": (
        "the key of the console session the token is bound to, encrypted under a key derived from the token "
        "itself (never stored): only a request bearing the token can tell which session it is"
    ),
    "accounts.Proposal.proposed_at": (
        "exact, like the audit event of the same staff act; a disclosure proposal dates a custodian's "
        "approval, never anything the reporter did (§6.3)"
    ),
    "accounts.Enrolment.token_hash": (
        "keyed BLAKE2b (index key) of a one-time enrolment link's 32 random bytes; the row is deleted when "
        "the link is used, and a lapsed link opens nothing (§6.3)"
    ),
    "django_tasks_database.DBTaskResult.enqueued_at": (
        "exact while the task waits or runs (a report's delivery is queued when it arrives, an evidence "
        "task when an upload commits): a task that succeeded is deleted as it finishes, a failed one keeps "
        "its times moved to the start of their day (core.task_rows); `longarm evidence sweep` and each "
        "delivery purge what a killed worker left"
    ),
    "core.OutboxEvent.object_id": (
        "the row the event is about (a report's database id); the event is deleted as soon as its "
        "subscribers have run, so only events of the last seconds, or those a dead worker left for the "
        "sweep, are ever found"
    ),
    "core.OutboxEvent.payload": (
        "what subscribers need, written in the submission's transaction and deleted with the event: coded "
        "values, a survey campaign's id, keyed match keys and ciphertexts, never text a reporter typed; no "
        "time is stored (threat model §5.6)"
    ),
    "core.ThrottleCounter.key": "keyed hash of the session or name being limited, never in clear",
    "core.ThrottleCounter.window_start": (
        "start of a counting window (10 minutes to a day), not of an attempt: rows of the gate's site-wide "
        "pressure, the upload budget and the per-session, log-in and identifier limits say in which window "
        "attempts were made. The gate's pressure and the upload budget keep only their current window; "
        "`longarm housekeeping` (hourly) deletes other rows once their window began over a day ago"
    ),
    "audit.AuditTally.window_start": "start of a counting window (a day by default), not of an attempt",
    "audit.AuditTally.window_end": "the end of a counting window; the chained summary event is dated by it",
    "gate.SpentToken.digest": "keyed hash of a spent gate token's random nonce and purpose, never the nonce",
    "gate.SpentToken.expires_at": "when the spent token would have expired anyway, rounded up to the hour",
    "audit.AuditEvent.created_at": (
        "to the second for staff and system acts; a reporter's acts are dated to their day (00:00 UTC, "
        "§5.4), and a tally of anonymous attempts and reporters' visits by the end of its window"
    ),
    "audit.AuditEvent.object_id": "the public identifier of the object acted on, e.g. a report",
    "audit.ReporterEvent.object_id": "public identifier of the report a waiting reporter event is about",
    "audit.ReporterEvent.day": "day of a reporter's act; it is chained once the day ends, in random order",
    "audit.AuditEvent.event_hash": "the hash chain over audit rows, not over anything a reporter sent",
    "audit.AuditCheckpoint.last_event_id": "the id of the last audit event a checkpoint covers",
    "recovery.RecoveryRotation.last_id": (
        "the id of the last seal a recovery-key rotation has resealed, so that an interrupted one resumes"
    ),
    "intake.Report.reporter_salt": "random, per report",
    "intake.Report.reporter_public_key": "derived from the receipt with Argon2id and the pepper (§4.3)",
    "intake.Report.receipt_lookup_hash": "keyed BLAKE2b(pepper, Argon2id(receipt)) (§5.1)",
    "intake.Report.awaiting_reply": (
        "workflow state: whether the reporter wrote last in the thread, so that it waits for an answer from "
        "staff; a copy of what the author kinds of the report's messages already say, and no time"
    ),
    "intake.Report.last_reporter_message": (
        "the place in its thread (intake.Message.position, already in clear) of the reporter's newest "
        "message, compared with read marks for the inbox's unread column; no time, nothing across threads"
    ),
    "intake.ShreddedReceipt.receipt_lookup_hash": (
        "a shredded report's receipt lookup hash, kept LONGARM_RETENTION_NOTICE_DAYS so its reporter is told "
        "it was removed; without the pepper it cannot be tested against a receipt"
    ),
    "intake.ShreddedReceipt.shredded_in": "the month a report was shredded (its first day)",
    "retention.RetentionHold.reason": "a coded reason a staff member chose; details go in encrypted notes",
    "intake.Message.created_at": "to the day for the reporter's messages; staff messages to the minute",
    "intake.ReadMark.seen_up_to": (
        "the place in the thread (intake.Message.position) of the report's newest message when this staff "
        "member last opened it (no time): that they opened it, and which of its messages came after "
        "(threat model §5.5, read marks)"
    ),
    "intake.Message.id": (
        "random (core.ids), not a sequence: ids numbered across all reports dated a reporter's message by "
        "the staff messages around it (threat model §5.5, message ids); rows from before keep no old id"
    ),
    "intake.Message.position": (
        "the message's place in its report's thread (1, 2, …), as staff read it: the order within one "
        "thread, nothing across threads and no time"
    ),
    "cases.Incident.day": (
        "the day of an incident where the caseworker coded it to the day; in clear like the other coded "
        "fields of a case, which DESIGN §3 wants to the month"
    ),
    "cases.Person.label": "a pseudonym staff choose (“Relative A”); names are ciphertext",
    "cases.Referral.agency": "the police force or organisation staff referred the case to",
    "cases.Case.due_sort": "a stored copy of due_on",
    "cases.SearchSegment.generation": "how many times the reader's search index was compacted",
    "cases.SearchSegment.part": (
        "which request of a reader's first index build appended the part (0: written by a compaction)"
    ),
    "linking.ReportIdentifier.ciphertext": (
        "a value a reporter typed in a structured field, under the report's data key"
    ),
    "linking.ReportIdentifier.kind": (
        "which structured field it was typed in (phone, WeChat ID…): that one was filled in, not its value"
    ),
    "linking.ReportIdentifierKey.blind_index": (
        "HMAC under the linking key of one match key of a value a reporter typed: equal rows mean reports "
        "(and cases) that share a value (threat model §5.3)"
    ),
    "linking.ClusterMembership.cluster": "the smallest case id of a connected group: the link graph (§4.3)",
    "federation.Partnership.public_key": (
        "the partner deployment's Ed25519 signing public key, exchanged out of band by administrators"
    ),
    "federation.Partnership.kinds": (
        "which kinds of identifier the partnership covers (phone, e-mail…), never a value"
    ),
    "federation.PartnershipChange.terms": (
        "the partnership terms an administrator proposed (name, key, address, kinds, limits), never a value"
    ),
    "federation.OfferedKey.scheme": (
        "which kind of strong match key (phone, WeChat ID…) a case identifier offers to partners: that one "
        "exists, not its value, as linking.IdentifierKey.scheme"
    ),
    "federation.OfferedKey.ciphertext": (
        "the canonical strong match key (e.g. a phone number in E.164) under the federation key of the "
        "keyring, which the server needs to answer a partner's private set intersection"
    ),
    "federation.Run.started_at": (
        "exact: when this deployment or a partner started a private set intersection, a system act"
    ),
    "federation.Run.figures_ciphertext": (
        "the sizes of both sets and of what was in common, under the federation key: counts of identifiers"
    ),
    "federation.Run.findings_ciphertext": (
        "which of our identifiers (and which of their strong keys, as digests) a run found in common, under "
        "the federation key and padded to a power of two: one value per run, so no row count is the count "
        "in common (threat model §5.8)"
    ),
    "federation.PendingAnswer.request_ciphertext": (
        "a partner's blinded PSI request under the federation key, kept until the worker answers it and the "
        "partner fetches the answer (an hour at most)"
    ),
    "federation.PendingAnswer.answer_ciphertext": (
        "our PSI answer (our set blinded under a key drawn for the run) under the federation key, until the "
        "partner fetches it or it expires"
    ),
    "federation.MessageSent.sent_at": (
        "exact: when a caseworker sent a partner a message, a staff act; counted by the rate limit"
    ),
    "federation.SeenNonce.nonce": (
        "16 random bytes a partner chose for one request; kept for minutes, against replay"
    ),
    "federation.PartnerMessage.sealed": (
        "a partner's message naming one identifier, sealed to the X25519 form of our signing key"
    ),
    "evidence.EvidenceItem.kind": "image, PDF, audio, video, text or archive; the exact type is ciphertext",
    "evidence.EvidenceItem.received_on": "the day the file came",
    "evidence.EvidenceItem.processing_started_at": (
        "exact, while the worker processes the file (moments after an upload); cleared when it finishes"
    ),
    "evidence.EvidenceItem.record_ciphertext": (
        "the original's SHA-256, exact size and exact type, under the report's data key"
    ),
    "evidence.EvidenceBlob.record_ciphertext": (
        "this version's SHA-256, exact size and type, under its key; a copy's also the identifiers it offers"
    ),
    "evidence.EvidenceBlob.storage_name": (
        "random name of the ciphertext file, or its object key in a bucket; names written before issue 17 "
        "contain the item's id and the variant"
    ),
    "evidence.CustodyEvent.at": "to the day for the reporter's and the worker's steps; staff's to the minute",
    "evidence.EvidenceItem.id": (
        "random (core.ids), not a sequence: ids numbered across all reports dated a reporter's upload by "
        "the files staff added around it (threat model §5.5, message ids)"
    ),
    "evidence.EvidenceItem.position": (
        "the file's place among its report's files (1, 2, …), the order they came in: within one report, "
        "nothing across reports and no time"
    ),
    "evidence.EvidenceBlob.id": (
        "random (core.ids), not a sequence: an upload's original, numbered between staff files and the "
        "worker's copies, dated it (threat model §5.5, message ids)"
    ),
    "evidence.CustodyEvent.id": (
        "random (core.ids), not a sequence: ids numbered across all files dated a reporter's upload step by "
        "the staff steps around it (threat model §5.5, message ids); rows from before keep no old id"
    ),
    "evidence.CustodyEvent.position": (
        "the step's place in its item's chain of custody (1, 2, …), as the custody log lists it: the order "
        "within one item, nothing across items and no time"
    ),
    "evidence.CustodyEvent.sha256_ciphertext": "the hash of the version handled, under that version's key",
    "evidence.ExportPackage.manifest_sha256_ciphertext": "under the report's data key",
    "evidence.PendingUpload.expires_at": (
        "to the minute: when a file kept from a questionnaire sent back with errors is deleted, "
        "`LONGARM_PENDING_UPLOAD_SECONDS` (an hour) after it was sent, never later than the session's age; "
        "the row lives no longer than that"
    ),
    "surveys.SurveyResponse.id": "random (UUID 4), so that responses do not line up with reports",
    "surveys.SurveyResponse.answers": "indicator code to yes or no",
    "intake.SealedKey.id": (
        "random (core.ids), not a sequence: a submission's seals, numbered between those of staff grants, "
        "dated it (threat model §5.5, message ids)"
    ),
    "evidence.EvidenceKey.id": (
        "random (core.ids), not a sequence: an upload's seals, numbered between those of staff grants, "
        "dated it (threat model §5.5, message ids)"
    ),
}

# Every table a reporter's act (a submission, a message, an upload, a survey answer) writes rows in, and
# whether those rows' ids are random (None) or why they may stay a sequence. An id numbered in the order
# rows were written dates a row by its neighbours: by a staff act's row beside it (dated to the minute, and
# chained to the second in the audit log), or by its own clear time. ``tests/test_column_classification.py``
# holds the random ones to a random key and the others to a reason; a new such table is added here.
REPORTER_ROWS: dict[str, str | None] = {
    "intake.Message": None,
    "intake.SealedKey": None,
    "evidence.EvidenceKey": None,
    "evidence.CustodyEvent": None,
    "surveys.SurveyResponse": None,
    "intake.Report": (
        "still a sequence (open, threat model §5.5, message ids): staff-entered hotline reports, chained to "
        "the second, are its timed neighbours, so a web report's id places it between two calls' times; "
        "every report page, list and count walks the newest-first order on it"
    ),
    "evidence.EvidenceItem": None,
    "evidence.EvidenceBlob": None,
    "evidence.PendingUpload": (
        "its own expiry, in clear to the minute, dates it more finely than its id could; the row is deleted "
        "when the questionnaire is sent or the file expires"
    ),
    "audit.ReporterEvent": (
        "holds reporters' events only (no timed neighbour in its table), each deleted when it joins the "
        "chain, in random order, after its day has ended"
    ),
    "gate.SpentToken": (
        "one per passed challenge, with no link to what it paid for; its expiry is rounded to the hour"
    ),
    "linking.ReportIdentifier": (
        "written after a submission for its structured identifiers only (no staff rows beside it): its "
        "order is the reports' order"
    ),
    "linking.ReportIdentifierKey": (
        "as linking.ReportIdentifier, and written again in bulk when the linking key is rotated"
    ),
    "analytics.FactIncident": (
        "still a sequence (open, threat model §5.5, message ids): a report's fact is written moments after "
        "it arrives, beside facts of cases staff coded; so is the log of fact writes (FactVersion), which is "
        "pruned"
    ),
    "analytics.FactCode": "written with its analytics.FactIncident, as that",
    "core.OutboxEvent": "deleted when its last subscriber has run, moments after the submission",
    "core.OutboxPending": "deleted when its subscriber has run, moments after the submission",
    "core.ThrottleCounter": (
        "its key is keyed (nothing links a reporter's counter to a report without the keyring) and "
        "housekeeping deletes it once its window began a day ago"
    ),
}


def concrete_models(models_: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """The models that have a table of their own (automatic many-to-many tables included)."""
    return [model for model in models_ if model._meta.managed and not model._meta.proxy]


def column_labels(model: type[models.Model]) -> list[str]:
    """``app_label.Model.field`` of every column ``model`` stores."""
    return [f"{model._meta.label}.{field.name}" for field in model._meta.concrete_fields]


def unclassified(models_: Iterable[type[models.Model]]) -> list[str]:
    """Every column of ``models_`` that is missing from :data:`COLUMNS`."""
    return [
        label for model in concrete_models(models_) for label in column_labels(model) if label not in COLUMNS
    ]


def markdown() -> str:
    """The threat model's "Columns at rest" table: every class, what it means, and its columns."""
    lines = ["| Class | What it means | Columns |", "|---|---|---|"]
    for column_class in ColumnClass:
        grouped: dict[str, list[str]] = {}
        for label, found in COLUMNS.items():
            if found is column_class:
                model, field = label.rsplit(".", 1)
                grouped.setdefault(model, []).append(f"`{field}`")
        columns = "; ".join(f"`{model}`: {', '.join(fields)}" for model, fields in grouped.items())
        lines.append(f"| **{column_class}** | {DESCRIPTIONS[column_class]} | {columns} |")
    lines += ["", "Notes on single columns:", ""]
    lines += [f"- `{label}` ({COLUMNS[label]}): {note}." for label, note in NOTES.items()]
    return "\n".join(lines) + "\n"
