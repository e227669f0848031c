"""Case management at scale: the inbox, the case list with filters and a report page over 100k reports
(``--reports 1000000 --cases 600000 --audit-events 10000000`` for the national scale of issue 21), and
`longarm audit verify` over a million audit events.

Run from the repository root (a few minutes; most of it is generating the data)::

    .venv/bin/python benchmarks/cases.py [--reports 100000] [--cases 60000] [--audit-events 1000000]
        [--requests 40]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/cases.py

While working on the queries, ``--keep NAME`` (a SQLite file or a PostgreSQL database name) keeps the
database and reuses its data on the next run with the same name, migrating it first; numbers to report come
from a fresh database. (Each run makes a new throw-away keyring, so a kept chain's checkpoints no longer
verify: audit verification needs a fresh database.)

What it does, in one run:

1. **A fresh database.** With the test settings (throw-away data and keys directories, a keyring, cheap
   Argon2 for the one log-in; everything else is the production configuration, middleware included) it
   creates a new database the way the test runner does — a SQLite file, or ``test_<name>`` on the
   PostgreSQL server of ``DATABASE_URL`` — migrates it, and destroys it at the end whatever happened.
2. **Synthetic data**, loaded through each database's bulk path (``benchmarks/_bulk.py``: ``executemany`` in
   transactions of 50,000 rows on SQLite, ``COPY`` on PostgreSQL, explicit ids, every column as the model
   stores it): ``--reports`` reports with realistic coded fields (community,
   host country and region, month, tactic, actor and channel codes, urgency, status, consent) and fake
   ciphertext of realistic size (answers about 1.5 KiB, identity about 300 bytes, 80-byte sealed keys);
   each report's data key sealed to the caseworker, and data and identity keys to the recovery key and the
   reporter (four sealed keys per report); a quarter have a thread (the reporter wrote; for half a
   caseworker answered, and for half of those the reporter wrote again), with the thread state the message
   signals keep on the report, and the caseworker has opened two threads in five (half since their last
   message). ``--cases`` cases each group one report, with a data key sealed
   to the caseworker and to the recovery key, an incident with coded tactics and places, and an assignment
   for a third of them. The case list's index of coded values (``CaseCode``), which the services keep, is
   filled by the same code (``cases.codes``). On PostgreSQL, ``VACUUM ANALYZE`` then does what autovacuum does
   to a live database. It is a benchmark of queries: nothing is really encrypted.
3. **Pages, end to end.** The caseworker logs in through the real log-in form (password and TOTP); then the
   Django test client (in-process: URL resolution, every middleware, the view, its selectors, template
   rendering; no network or web server) requests the inbox (in urgency order, "waiting for us" first, only
   reports not in a case, a deep page; a quarter of the reports have messages, some unread), the case list
   with each filter, plus a deep page, and the page of one report really submitted through the reporter site
   (its answers and key are real, so the page decrypts it as staff see it, among all the synthetic rows).
   Each URL is requested ``--requests`` times after two warm-up requests; ``pages`` gives the p50, p95 and
   maximum in milliseconds. Target: every p95 ≤ 150 ms.
4. **The audit chain.** ``--audit-events`` events are appended to the chain with valid hashes (bulk, computing
   the hashes in Python) and a signed checkpoint every 100k events; then `longarm audit verify` runs as an
   operator would (``call_command``) and ``audit_verify`` gives its wall time. Target: 30 s per million
   events (≤ 30 s for one million, ≤ 5 minutes for ten).

The single JSON object on stdout holds the database vendor, the data sizes, the page timings, the audit
verification time, and ``meets_targets``. Progress goes to stderr. This is a benchmark, not a test: nothing
here asserts on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from tests.conftest import log_in as log_in_through_form  # noqa: E402
from tests.intake.helpers import submit_report  # noqa: E402

from _bulk import BATCH, Table, insert, loading, reset_sequences  # noqa: E402
from longarm.accounts.models import Role, StaffUser  # noqa: E402
from longarm.accounts.services import staff_create  # noqa: E402
from longarm.audit.chain import GENESIS_HASH, checkpoint_message, link_hash  # noqa: E402
from longarm.audit.models import AuditCheckpoint, AuditEvent, AuditHead  # noqa: E402
from longarm.cases.codes import _rows as code_rows  # noqa: E402
from longarm.cases.models import (  # noqa: E402
    Assignment,
    Case,
    CaseCode,
    CaseKey,
    CaseKeyKind,
    CaseReport,
    CaseStatus,
    DatePrecision,
    Incident,
)
from longarm.core.ids import random_id  # noqa: E402
from longarm.core.keyring import current_keyring  # noqa: E402
from longarm.crypto.signing import sign  # noqa: E402
from longarm.intake.models import (  # noqa: E402
    Consent,
    KeyKind,
    Message,
    MessageAuthor,
    ReadMark,
    RecipientKind,
    Report,
    ReportStatus,
    SealedKey,
    Urgency,
)
from longarm.taxonomy.vocabularies import vocabulary  # noqa: E402

PASSWORD = "a long benchmark passphrase 7"  # noqa: S105 - a throw-away account in a throw-away database
TARGET_PAGE_P95_MS = 150.0
TARGET_VERIFY_S_PER_MILLION = 30.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def codes(name: str) -> list[str]:
    return [code for code, _ in vocabulary(name).choices()]


# Fake ciphertext: slices of a pool of random bytes, so that rows have realistic sizes and
# incompressible content without drawing megabytes of randomness per thousand rows.
_POOL = [secrets.token_bytes(4096) for _ in range(64)]


def blob(size: int, rng: random.Random | None = None) -> bytes:
    source = _POOL[(rng or random).randrange(len(_POOL))]
    start = (rng or random).randrange(len(source) - size) if size < len(source) else 0
    return source[start : start + size]


def make_reports(count: int, caseworker: StaffUser, rng: random.Random) -> list[tuple[Any, ...]]:
    """``count`` reports, their sealed keys, a thread for a quarter of them and the caseworker's read marks;
    the coded values of each report (tactics, host country, community) in id order, for the cases."""
    communities, countries = codes("communities"), codes("host_countries")[:12]
    tactics, actors, channels = codes("reporter_tactics"), codes("actors"), codes("channels")
    urgencies = [Urgency.CRITICAL] * 3 + [Urgency.HIGH] * 17 + [Urgency.NORMAL] * 80
    statuses = (
        [ReportStatus.RECEIVED] * 2
        + [ReportStatus.READ] * 3
        + [ReportStatus.ANSWERED] * 4
        + [ReportStatus.CLOSED]
    )
    today = datetime.now(UTC).date()
    written = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    reports, keys, messages, marks = Table(Report), Table(SealedKey), Table(Message), Table(ReadMark)
    report_id, mark_id = reports.next_id(), marks.next_id()
    coded_values: list[tuple[Any, ...]] = []
    done = 0
    while done < count:
        report_rows, key_rows, message_rows, mark_rows = [], [], [], []
        for _ in range(min(BATCH, count - done)):
            statistics_consent = rng.random() < 0.8
            coded: dict[str, Any] = {}
            if statistics_consent:
                country = rng.choice(countries)
                coded = {
                    "community": rng.choice(communities),
                    "host_country": country,
                    "host_region": f"{country}-{rng.randint(1, 40):02d}",
                    "incident_year": rng.randint(2019, 2026),
                    "incident_month": rng.randint(1, 12),
                    "tactic_codes": sorted(rng.sample(tactics, rng.randint(1, 3))),
                    "actor_codes": sorted(rng.sample(actors, rng.randint(1, 2))),
                    "channel_codes": sorted(rng.sample(channels, rng.randint(1, 2))),
                    "language": rng.choice(["en", "ja", "zh-hans", "ug", "bo", "mn"]),
                }
            coded_values.append(
                (coded.get("tactic_codes", []), coded.get("host_country", ""), coded.get("community", ""))
            )
            # A quarter of the reports have a thread: the reporter wrote; for half of those a caseworker
            # answered, and for some the reporter wrote again (the inbox's unread and "waiting" columns).
            authors: list[str] = []
            if rng.random() < 0.25:
                authors = [MessageAuthor.REPORTER]
                if rng.random() < 0.5:
                    authors.append(MessageAuthor.STAFF)
                    if rng.random() < 0.5:
                        authors.append(MessageAuthor.REPORTER)
            thread = []
            for position, author in enumerate(authors, start=1):
                thread.append((position, author))
                message_rows.append(
                    messages.row(
                        id=random_id(),
                        public_id=uuid.uuid4(),
                        report_id=report_id,
                        position=position,
                        author_kind=author,
                        author_id=caseworker.pk if author == MessageAuthor.STAFF else None,
                        created_at=written,
                        ciphertext=blob(rng.randint(100, 600), rng),
                    )
                )
            reporter_ids = [number for number, author in thread if author == MessageAuthor.REPORTER]
            if thread and rng.random() < 0.4:
                # The caseworker opened two in five threads: half since the last message, half before.
                seen = thread[-1][0] if rng.random() < 0.5 else thread[0][0] - 1
                mark_rows.append(
                    marks.row(id=mark_id, staff_id=caseworker.pk, report_id=report_id, seen_up_to=seen)
                )
                mark_id += 1
            report_rows.append(
                reports.row(
                    id=report_id,
                    public_id=uuid.uuid4(),
                    received_on=today - timedelta(days=rng.randint(0, 1500)),
                    status=rng.choice(statuses),
                    consent=rng.choice([Consent.REVIEW, Consent.REFERRAL, Consent.IDENTITY]),
                    statistics_consent=statistics_consent,
                    receipt_lookup_hash=secrets.token_bytes(32),
                    reporter_salt=secrets.token_bytes(16),
                    reporter_public_key=secrets.token_bytes(32),
                    answers_ciphertext=blob(rng.randint(900, 2200), rng),
                    identity_ciphertext=blob(rng.randint(150, 450), rng),
                    urgency=rng.choice(urgencies),
                    # The thread state the message signals keep (``intake.threads``).
                    awaiting_reply=bool(thread) and thread[-1][1] == MessageAuthor.REPORTER,
                    last_reporter_message=reporter_ids[-1] if reporter_ids else None,
                    **coded,
                )
            )
            for kind, recipient, staff in (
                (KeyKind.DATA, RecipientKind.STAFF, caseworker.pk),
                (KeyKind.DATA, RecipientKind.RECOVERY, None),
                (KeyKind.IDENTITY, RecipientKind.RECOVERY, None),
                (KeyKind.DATA, RecipientKind.REPORTER, None),
            ):
                key_rows.append(
                    keys.row(
                        id=random_id(),
                        report_id=report_id,
                        kind=kind,
                        recipient_kind=recipient,
                        staff_id=staff,
                        sealed=blob(80, rng),
                    )
                )
            report_id += 1
        insert(reports, report_rows)
        insert(keys, key_rows)
        insert(messages, message_rows)
        insert(marks, mark_rows)
        done += len(report_rows)
        log(f"  {done} reports")
    reset_sequences(reports, keys, messages, marks)
    return coded_values


def make_cases(
    count: int, caseworker: StaffUser, rng: random.Random, coded_values: list[tuple[Any, ...]]
) -> None:
    """``count`` cases, each grouping one report (the first ``count`` in id order), with keys, an incident,
    an assignment for a third and the case list's code index as ``cases.codes`` writes it."""
    tactics, channels, harms = codes("tactics"), codes("channels"), codes("harms")
    countries = codes("host_countries")[:12]
    weights = [
        (CaseStatus.NEW, 10),
        (CaseStatus.TRIAGE, 15),
        (CaseStatus.ACTIVE, 35),
        (CaseStatus.REFERRED, 10),
        (CaseStatus.MONITORING, 10),
        (CaseStatus.CLOSED, 20),
    ]
    statuses = [status for status, weight in weights for _ in range(weight)]
    urgencies = [Urgency.CRITICAL] * 3 + [Urgency.HIGH] * 17 + [Urgency.NORMAL] * 80
    first_report = Report.objects.order_by("id").values_list("id", flat=True).first() or 1
    tables = {model: Table(model) for model in (Case, CaseReport, CaseKey, Assignment, Incident, CaseCode)}
    ids = {model: table.next_id() for model, table in tables.items()}
    today = datetime.now(UTC).date()

    def next_id(model: type) -> int:
        ids[model] += 1
        return ids[model] - 1

    done = 0
    while done < count:
        rows: dict[type, list[tuple[Any, ...]]] = {model: [] for model in tables}
        incidents, links = [], []
        for number in range(done, min(done + BATCH, count)):
            case_id = next_id(Case)
            opened = today - timedelta(days=rng.randint(0, 1500))
            rows[Case].append(
                tables[Case].row(
                    id=case_id,
                    public_id=uuid.uuid4(),
                    reference=f"LA-B-{number:07d}",
                    status=rng.choice(statuses),
                    urgency=rng.choice(urgencies),
                    opened_on=opened,
                    status_changed_on=opened + timedelta(days=rng.randint(0, 30)),
                    due_on=today + timedelta(days=rng.randint(-30, 90)) if rng.random() < 0.4 else None,
                    do_not_remove=rng.random() < 0.05,
                    summary_ciphertext=blob(rng.randint(200, 600), rng),
                )
            )
            report_id = first_report + number
            rows[CaseReport].append(
                tables[CaseReport].row(id=next_id(CaseReport), case_id=case_id, report_id=report_id)
            )
            for kind, staff in (
                (CaseKeyKind.DATA, caseworker.pk),
                (CaseKeyKind.DATA, None),
                (CaseKeyKind.IDENTITY, None),
            ):
                rows[CaseKey].append(
                    tables[CaseKey].row(
                        id=next_id(CaseKey), case_id=case_id, kind=kind, staff_id=staff, sealed=blob(80, rng)
                    )
                )
            if rng.random() < 0.33:
                rows[Assignment].append(
                    tables[Assignment].row(
                        id=next_id(Assignment),
                        case_id=case_id,
                        staff_id=caseworker.pk,
                        assigned_by_id=caseworker.pk,
                        assigned_on=opened,
                    )
                )
            incident = SimpleNamespace(
                pk=next_id(Incident),
                case_id=case_id,
                tactics=sorted(rng.sample(tactics, rng.randint(1, 3))),
                host_country=rng.choice(countries),
            )
            incidents.append(incident)
            rows[Incident].append(
                tables[Incident].row(
                    id=incident.pk,
                    public_id=uuid.uuid4(),
                    case_id=case_id,
                    year=rng.randint(2019, 2026),
                    month=rng.randint(1, 12),
                    precision=DatePrecision.MONTH,
                    tactics=incident.tactics,
                    channels=sorted(rng.sample(channels, 1)),
                    harms=sorted(rng.sample(harms, rng.randint(0, 2))),
                    host_country=incident.host_country,
                    description_ciphertext=blob(rng.randint(300, 1200), rng),
                )
            )
            tactic_codes, host_country, community = coded_values[number]
            links.append(
                SimpleNamespace(
                    case_id=case_id,
                    report=SimpleNamespace(
                        pk=report_id,
                        tactic_codes=tactic_codes,
                        host_country=host_country,
                        community=community,
                    ),
                )
            )
        # The case list's index of coded values, as the services keep it (``cases.codes``).
        rows[CaseCode] = [
            tables[CaseCode].row(id=next_id(CaseCode), **values)
            for values in code_rows(incidents, links, lambda **values: values)
        ]
        for model in (Case, CaseReport, CaseKey, Assignment, Incident, CaseCode):
            insert(tables[model], rows[model])
        done += len(rows[Case])
        log(f"  {done} cases")
    reset_sequences(*tables.values())


def make_events(count: int, rng: random.Random) -> None:
    """``count`` audit events chained onto the head, with a signed checkpoint every 100k events."""
    head = AuditHead.objects.get(pk=1)
    previous = head.last_hash
    events = Table(AuditEvent)
    event_id = events.next_id()
    existing = AuditEvent.objects.count()
    actions = ["report.read", "report.submit", "case.read", "message.create", "case.grant:7", "staff.login"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=400)
    seed = current_keyring().signing_seed
    step = timedelta(seconds=3)
    created_at = start
    done = 0
    while done < count:
        size = min(100_000 - (existing + done) % 100_000, count - done)
        rows = []
        for _ in range(size):
            created_at += step
            action = actions[rng.randrange(len(actions))]
            object_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            digest = link_hash(previous, created_at, "system", None, action, "report", object_id)
            rows.append(
                events.row(
                    id=event_id,
                    created_at=created_at,
                    actor_kind="system",
                    actor_id=None,
                    action=action,
                    object_type="report",
                    object_id=object_id,
                    previous_hash=previous,
                    event_hash=digest,
                )
            )
            previous = digest
            event_id += 1
        insert(events, rows)
        done += size
        total = existing + done
        if total % 100_000 == 0:
            now = datetime.now(UTC).replace(microsecond=0)
            message = checkpoint_message(
                last_event_id=event_id - 1, last_hash=previous, event_count=total, created_at=now
            )
            AuditCheckpoint.objects.create(
                last_event_id=event_id - 1,
                last_hash=previous,
                event_count=total,
                created_at=now,
                signature=sign(seed, message),
            )
        if done % 500_000 < size:
            log(f"  {done} events")
    reset_sequences(events)
    AuditHead.objects.filter(pk=1).update(last_hash=previous or GENESIS_HASH)


def log_in(client: Client, user: StaffUser) -> None:
    # Through the real form, paying the gate as the tests do (the test settings make its price nominal).
    log_in_through_form(client, user, password=PASSWORD)


def measure(client: Client, url: str, requests: int) -> dict[str, float]:
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "max_ms": round(timings[-1], 1),
    }


def timed(label: str, work: Callable[[], object]) -> float:
    log(f"{label}…")
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    log(f"{label}: {seconds:.1f} s")
    return round(seconds, 1)


def run(options: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(options.seed)
    existing = StaffUser.objects.filter(username="bench-casey").first()
    generation: dict[str, float] = {}
    if existing is not None and options.keep:
        log("reusing the kept database's data")
        caseworker = existing
    else:
        caseworker = staff_create(
            username="bench-casey", password=PASSWORD, role=Role.CASEWORKER, receives_new_reports=True
        ).user
        coded_values: list[tuple[Any, ...]] = []
        with loading():
            generation["reports_s"] = timed(
                "reports", lambda: coded_values.extend(make_reports(options.reports, caseworker, rng))
            )
            generation["cases_s"] = timed(
                "cases", lambda: make_cases(options.cases, caseworker, rng, coded_values)
            )
        del coded_values
    if connection.vendor == "postgresql":
        # What autovacuum does to a live database after the bulk load: statistics for the planner, and the
        # visibility map that lets index-only scans skip the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    # One real report, sealed to the caseworker as every new report is, read on its page among the rest.
    submit_report(Client(SERVER_NAME="localhost"))
    real_report = Report.objects.latest("id")
    client = Client(SERVER_NAME="localhost")
    log_in(client, caseworker)
    cases = reverse("cases:case_list")
    urls = {
        "inbox": reverse("cases:inbox"),
        "inbox?order=waiting": f"{reverse('cases:inbox')}?order=waiting",
        "inbox?unfiled=on": f"{reverse('cases:inbox')}?unfiled=on",
        "inbox?page=200": f"{reverse('cases:inbox')}?page=200",
        "cases": cases,
        "cases?status=active": f"{cases}?status=active",
        "cases?urgency=critical": f"{cases}?urgency=critical",
        "cases?community=uyghur": f"{cases}?community=uyghur",
        "cases?host_country=JP": f"{cases}?host_country=JP",
        "cases?tactic=proxy_coercion_family": f"{cases}?tactic=proxy_coercion_family",
        "cases?mine=on": f"{cases}?mine=on",
        "cases?due_soon=on": f"{cases}?due_soon=on",
        "cases?status=closed&urgency=high&host_country=GB": (
            f"{cases}?status=closed&urgency=high&host_country=GB"
        ),
        "cases?page=200": f"{cases}?page=200",
        "report": reverse("cases:report", kwargs={"public_id": real_report.public_id}),
    }
    pages = {}
    for name, url in urls.items():
        pages[name] = measure(client, url, options.requests)
        log(f"{name}: {pages[name]}")
    if not (options.keep and AuditEvent.objects.count() >= options.events):
        with loading():
            generation["events_s"] = timed("audit events", lambda: make_events(options.events, rng))
    out = StringIO()
    verify_s = timed("longarm audit verify", lambda: call_command("audit", "verify", stdout=out))
    worst = max(page["p95_ms"] for page in pages.values())
    verify_target_s = TARGET_VERIFY_S_PER_MILLION * max(1.0, AuditEvent.objects.count() / 1_000_000)
    return {
        "database": connection.vendor,
        "reports": Report.objects.count(),
        "cases": Case.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "measured_through": "Django test client in-process (middleware, view, selectors, templates)",
        "requests_per_url": options.requests,
        "pages": pages,
        "worst_page_p95_ms": worst,
        "audit_verify_s": verify_s,
        "audit_verify_output": out.getvalue().strip(),
        "generation_s": generation,
        "targets": {"page_p95_ms": TARGET_PAGE_P95_MS, "audit_verify_s": round(verify_target_s, 1)},
        "meets_targets": worst <= TARGET_PAGE_P95_MS and verify_s <= verify_target_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=60_000)
    parser.add_argument("--audit-events", "--events", dest="events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--keep",
        metavar="NAME",
        default="",
        help="use and keep this database (a SQLite file or a PostgreSQL database name), reusing its data "
        "when a previous --keep run made it: for iterating on queries, not for reported numbers",
    )
    options = parser.parse_args()
    if options.cases > options.reports:
        parser.error("--cases must not exceed --reports: each case groups one report")
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    if options.keep:
        connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": options.keep}
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=bool(options.keep))
    try:
        result = run(options)
    finally:
        creation.destroy_test_db(old_name, verbosity=0, keepdb=bool(options.keep))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
