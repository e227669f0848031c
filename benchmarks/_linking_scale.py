"""Linking at scale: link lookups for a new report, full re-clustering and memory over synthetic reports with
three identifiers each, on SQLite and on PostgreSQL. Called by ``benchmarks/linking.py`` (``run_scale``);
run on its own as well::

    .venv/bin/python benchmarks/_linking_scale.py [--sizes 10000,100000,1000000] [--databases sqlite,postgres]

Each (database, size) runs in a fresh child process (so its peak RSS is its own) against a throw-away
database created the way the test runner does (``benchmarks/cases.py``): a SQLite file, or ``test_<name>``
on the PostgreSQL server of ``--postgres-url``; it is destroyed at the end whatever happened.

**Data.** ``size`` reports, each in its own case, with three identifiers: a phone number, a WeChat ID and a
person's name (``3 * size`` identifiers), stored as the app stores them: fake ciphertext, and one
``IdentifierKey`` row per match key with real blind indexes under the installation's linking key (the
values are generated, never stored). 30% of reports belong to a campaign of 2 to 20 reports that share one
phone number or WeChat ID (strong keys; these form clusters); names come from a pool of ``size / 20``, so
each name is shared by about 20 cases (weak keys: suggestions that never cluster). The load is built for
speed (``generate_s``): COPY on PostgreSQL and large ``executemany`` batches on SQLite, secondary indexes
dropped during the load and rebuilt at its end, foreign-key checks off and, on SQLite, no journal or fsync
(throw-away database only); phone numbers and WeChat IDs are generated in normal form and hashed directly
with the app's ``blind_index``, which a sample checks against ``indexed_keys``; a name's keys are computed
once per distinct name.

**Measures.** ``lookup_ms``: for ``--lookups`` new reports (half reuse a stored value, half are new), the
time to compute their match keys and blind indexes and fetch every case sharing one (p50, p95, max).
``reference_pk_read_ms``: a primary-key read of one case interleaved with the lookups (same load), and
``lookup_p95_over_reference_p95``. ``report_lookup_ms``: the same indexes looked up among the reports'
own key rows (``ReportIdentifierKey``: every report carries its three identifiers as the reporter typed
them, as well as its case). ``recluster_s``: ``recluster_all()`` from nothing (every membership
written) and again (nothing changes). ``peak_rss_mib``: the child's peak resident memory while it looks
up and re-clusters (the peak is reset after the load, on Linux); ``load_peak_rss_mib``: its peak while
loading (generation streams in batches; SQLite's page cache is enlarged for the load).
``growth_exponent``: the least-squares slope of log(measure) against log(size) over the sizes run.
Targets: lookup p95 ≤ 10 ms, re-clustering ≤ 60 s, peak RSS ≤ 2 GiB, at 1M reports. The machine is
shared, so this measures and reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import time
from array import array
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_LOOKUP_P95_MS = 10.0
TARGET_RECLUSTER_S = 60.0
TARGET_RSS_MIB = 2048.0
DEFAULT_SIZES = "10000,100000,1000000"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/bench"
LOAD_BATCH = 20000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"reports per run (default {DEFAULT_SIZES})")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="server for the postgres runs")
    parser.add_argument("--lookups", type=int, default=300, help="new reports looked up per run")
    parser.add_argument("--scale-seed", type=int, default=7)


def _slope(points: list[tuple[int, float]]) -> float | None:
    usable = [(size, value) for size, value in points if value > 0]
    if len(usable) < 2:
        return None
    xs = [math.log(size) for size, _ in usable]
    ys = [math.log(value) for _, value in usable]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    denominator = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / denominator, 3)


def run_scale(args: argparse.Namespace) -> dict[str, Any]:
    """Run every (database, size) in a child process; returns their results, growth exponents and
    whether the largest size met the targets."""
    sizes = sorted(int(size) for size in str(args.sizes).split(",") if size)
    result: dict[str, Any] = {}
    for database in [name for name in str(args.databases).split(",") if name]:
        env = {**os.environ, "DATABASE_URL": args.postgres_url if database == "postgres" else ""}
        if database == "sqlite":
            env.pop("DATABASE_URL")
        runs: list[dict[str, Any]] = []
        for size in sizes:
            print(f"linking scale: {database}, {size} reports", file=sys.stderr, flush=True)
            child = subprocess.run(  # noqa: S603  # this very file, with our own arguments
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(size),
                    "--lookups",
                    str(args.lookups),
                    "--scale-seed",
                    str(args.scale_seed),
                ],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                runs.append({"reports": size, "error": f"exit status {child.returncode}, see stderr"})
                continue
            runs.append(json.loads(child.stdout))
            # Each run's result as soon as it is known, so a long series can be read while it goes on.
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
        good = [run for run in runs if "error" not in run]
        growth = {
            "lookup_p95": _slope([(run["reports"], run["lookup_ms"]["p95"]) for run in good]),
            "recluster": _slope([(run["reports"], run["recluster_s"]["first"]) for run in good]),
            "peak_rss": _slope([(run["reports"], run["peak_rss_mib"]) for run in good]),
        }
        largest = good[-1] if good else None
        result[database] = {
            "runs": runs,
            "growth_exponent": growth,
            "largest_meets_targets": None
            if largest is None
            else (
                largest["lookup_ms"]["p95"] <= TARGET_LOOKUP_P95_MS
                and largest["recluster_s"]["first"] <= TARGET_RECLUSTER_S
                and largest["peak_rss_mib"] <= TARGET_RSS_MIB
            ),
        }
    result["targets"] = {
        "lookup_p95_ms": TARGET_LOOKUP_P95_MS,
        "recluster_s": TARGET_RECLUSTER_S,
        "peak_rss_mib": TARGET_RSS_MIB,
        "at_reports": 1_000_000,
    }
    return result


# --- the child: one database, one size ------------------------------------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()


# A campaign starts at a report not already in one with this probability; with 2-20 reports (11 on
# average) per campaign, 0.0375 * 11 / (0.0375 * 11 + 0.9625) = 30% of reports are in campaigns.
_CAMPAIGN_START = 0.0375


_SURNAMES = [
    "wang",
    "li",
    "zhang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "gao",
    "lin",
    "luo",
]
_SYLLABLES = [
    "an",
    "bai",
    "bin",
    "bo",
    "chang",
    "chao",
    "cheng",
    "chun",
    "da",
    "dan",
    "dong",
    "fang",
    "fei",
    "feng",
    "gang",
    "guo",
    "hai",
    "hao",
    "hong",
    "hua",
    "hui",
    "jia",
    "jian",
    "jie",
    "jin",
    "jing",
    "jun",
    "kai",
    "lan",
    "lei",
    "li",
    "liang",
    "lin",
    "ling",
    "long",
    "mei",
    "min",
    "ming",
    "na",
    "ning",
    "peng",
    "ping",
    "qiang",
    "qing",
    "rong",
    "rui",
    "shan",
    "sheng",
    "shu",
    "tao",
    "ting",
    "wei",
    "wen",
    "xia",
    "xiang",
    "xin",
    "xiu",
    "xue",
    "yan",
    "yang",
    "yi",
    "ying",
    "yong",
    "yu",
    "yuan",
    "yun",
    "ze",
    "zhen",
    "zhi",
    "zhong",
]


def _name(number: int) -> str:
    """A distinct pinyin name for each number below 20 * len(_SYLLABLES) ** 2 (98,000)."""
    surname = _SURNAMES[number % len(_SURNAMES)]
    rest = number // len(_SURNAMES)
    first = _SYLLABLES[rest % len(_SYLLABLES)]
    second = _SYLLABLES[(rest // len(_SYLLABLES)) % len(_SYLLABLES)]
    return f"{surname.title()} {first.title()}{second}"


class _Synthetic:
    """Which campaign each report belongs to (4 bytes a report); the values themselves are derived from the
    report's number on demand, so generating 1M reports holds no list of strings."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size = size
        self.names = max(size // 20, 50)
        self.campaign = array("i", [-1]) * size
        self.shares_phone = array("b", [0]) * size
        campaigns, left = 0, 0
        for number in range(size):
            if left == 0 and rng.random() < _CAMPAIGN_START:
                campaigns, left = campaigns + 1, rng.randint(2, 20)
            if left:
                left -= 1
                self.campaign[number] = campaigns - 1
                self.shares_phone[number] = rng.random() < 0.5

    def values(self, number: int) -> tuple[str, str, str]:
        """(phone, WeChat ID, name) of report ``number``."""
        phone, wechat = f"+86138{number:08d}", f"wxid_{number}"
        campaign = self.campaign[number]
        if campaign >= 0 and self.shares_phone[number]:
            phone = f"+86139{campaign:08d}"
        elif campaign >= 0:
            wechat = f"wxid_c{campaign}"
        return phone, wechat, _name((number * 2654435761) % self.names)


def _child(size: int, lookups: int, seed: int) -> dict[str, Any]:
    _setup_django()
    from django.db import connection

    # A stopped run still destroys its database: SIGTERM becomes SystemExit, so the finally below runs.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(1))
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(size, lookups, seed)
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


class _Inserter:
    """Rows of ``model`` by COPY (PostgreSQL) or ``executemany`` (SQLite): every column from a prototype
    instance, ``varying`` per row, given as the database takes them (ints, strings, bytes; a UUID as 32 hex
    digits, which both store). Django's ``bulk_create`` costs tens of microseconds a row, too slow for ten
    million rows."""

    def __init__(self, model: Any, prototype: dict[str, Any], varying: list[str]) -> None:
        from django.db import connection

        fields = [
            field
            for field in model._meta.concrete_fields
            if not getattr(field, "generated", False) and (not field.primary_key or field.attname in varying)
        ]
        instance = model(**prototype)
        self.base = tuple(
            field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields
        )
        names = [field.attname for field in fields]
        # Varying columns come first in each row: the row is the data followed by the prototype's values.
        self.order = [names.index(name) for name in varying] + [
            position for position, name in enumerate(names) if name not in varying
        ]
        self.base = tuple(self.base[position] for position in self.order[len(varying) :])
        quote = connection.ops.quote_name
        columns = ", ".join(quote(fields[position].column) for position in self.order)
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        from django.db import connection

        base = self.base
        data = [row + base for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: one stream instead of a statement a row.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for values in data:
                        copy.write_row(values)
            else:
                cursor.executemany(self.sql, data)


class _BulkLoad:
    """While the synthetic data is loaded: no secondary indexes on the loaded tables (built once at the end,
    by sorting, instead of row by row in random order), no foreign-key checks, and on SQLite no journal or
    fsync. Only for this throw-away database; the app never runs like this."""

    def __init__(self, tables: list[str]) -> None:
        self.tables = tables
        self.indexes: list[str] = []
        self.journal_mode = "delete"

    def __enter__(self) -> _BulkLoad:
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                    [self.tables],
                )
                found = cursor.fetchall()
                # Foreign-key triggers off for this session (the server's superuser runs the benchmark).
                cursor.execute("SET session_replication_role = replica")
            else:
                marks = ", ".join(["%s"] * len(self.tables))
                cursor.execute(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                    f"AND tbl_name IN ({marks})",
                    self.tables,
                )
                found = cursor.fetchall()
                cursor.execute("PRAGMA journal_mode")
                self.journal_mode = str(cursor.fetchone()[0])
                cursor.execute("PRAGMA foreign_keys = OFF")
                cursor.execute("PRAGMA journal_mode = OFF")
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA cache_size = -262144")
            for name, definition in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self.indexes.append(definition)
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET maintenance_work_mem = '256MB'")
            for definition in self.indexes:
                cursor.execute(definition)
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
                # What autovacuum does by itself after a bulk load (statistics, visibility map).
                for table in self.tables:
                    cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
            else:
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.execute(f"PRAGMA journal_mode = {self.journal_mode}")
                cursor.execute("PRAGMA synchronous = FULL")
                cursor.execute("PRAGMA cache_size = -2000")
                # What an operator runs on SQLite after a bulk load.
                cursor.execute("ANALYZE")


def _peak_rss_mib() -> float:
    """The process's peak resident memory since it started or since ``_reset_peak_rss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current resident size.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _uuid() -> str:
    return secrets.token_hex(16)


def _check_fast_keys(synthetic: _Synthetic, key: Any) -> None:
    """The load hashes phone numbers and WeChat IDs directly (they are generated in normal form); this
    checks on a sample that the result is exactly the app's blind index, so lookups find them."""
    from longarm.crypto.blind_index import blind_index
    from longarm.linking.index import indexed_keys

    for number in range(0, synthetic.size, max(synthetic.size // 200, 1)):
        phone, wechat, _name = synthetic.values(number)
        for kind, value in (("phone", phone), ("wechat", wechat)):
            expected = [
                (item.scheme, item.strength, item.blind_index)
                for item in indexed_keys(kind=kind, value=value, region="DE", key=key)
            ]
            if expected != [(kind, "strong", blind_index(key.key, kind, value))]:
                raise AssertionError(f"fast blind index differs from the app's for a {kind}")


def _reset_sequences(models: list[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _measure(size: int, lookups: int, seed: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from longarm.cases.models import Case, CaseReport, Identifier
    from longarm.crypto.blind_index import blind_index
    from longarm.intake.models import Consent, Report
    from longarm.linking.clusters import recluster_all
    from longarm.linking.index import current_linking_key, indexed_keys
    from longarm.linking.models import IdentifierKey, ReportIdentifier, ReportIdentifierKey

    rng = random.Random(seed)
    key = current_linking_key()
    today = date(2026, 1, 1)
    started = time.perf_counter()
    synthetic = _Synthetic(size, rng)
    names: dict[str, list[Any]] = {}
    reports = _Inserter(
        Report,
        {
            "received_on": today,
            "consent": Consent.REVIEW,
            "statistics_consent": True,
            "reporter_salt": b"\0" * 16,
            "reporter_public_key": b"\0" * 32,
            "answers_ciphertext": b"\0" * 64,
            "identity_ciphertext": b"",
            "urgency": "normal",
            "community": "uyghur",
            "host_country": "DE",
        },
        ["id", "public_id", "receipt_lookup_hash", "incident_year"],
    )
    cases = _Inserter(
        Case,
        {"opened_on": today, "status_changed_on": today, "summary_ciphertext": b"\0" * 48},
        ["id", "public_id", "reference"],
    )
    links = _Inserter(CaseReport, {}, ["id", "case_id", "report_id"])
    identifiers = _Inserter(
        Identifier, {"ciphertext": b"\0" * 72}, ["id", "public_id", "case_id", "kind", "blind_index"]
    )
    keys = _Inserter(
        IdentifierKey,
        {"key_version": key.version},
        ["identifier_id", "case_id", "scheme", "strength", "blind_index"],
    )
    # The same three identifiers as the reporter typed them (report-level linking, issue 13).
    typed = _Inserter(
        ReportIdentifier,
        {"ciphertext": b"\0" * 72, "outcome": "pending"},
        ["id", "public_id", "report_id", "kind"],
    )
    typed_keys = _Inserter(
        ReportIdentifierKey,
        {"key_version": key.version},
        ["identifier_id", "report_id", "scheme", "strength", "blind_index"],
    )
    _check_fast_keys(synthetic, key)
    loaded = (Report, Case, CaseReport, Identifier, IdentifierKey, ReportIdentifier, ReportIdentifierKey)
    tables = [model._meta.db_table for model in loaded]
    with _BulkLoad(tables):
        for start in range(0, size, LOAD_BATCH):
            numbers = range(start, min(start + LOAD_BATCH, size))
            identifier_rows, key_rows_, typed_rows = [], [], []
            for number in numbers:
                case_id = number + 1
                phone, wechat, name = synthetic.values(number)
                phone_id = number * 3 + 1
                phone_index = blind_index(key.key, "phone", phone)
                wechat_index = blind_index(key.key, "wechat", wechat)
                # Names repeat (about 20 cases each); their keys are computed once.
                items = names.get(name) or names.setdefault(
                    name, indexed_keys(kind="name", value=name, region="DE", key=key)
                )
                identifier_rows += [
                    (phone_id, _uuid(), case_id, "phone", phone_index),
                    (phone_id + 1, _uuid(), case_id, "wechat", wechat_index),
                    (phone_id + 2, _uuid(), case_id, "name", items[0].blind_index),
                ]
                key_rows_ += [
                    (phone_id, case_id, "phone", "strong", phone_index),
                    (phone_id + 1, case_id, "wechat", "strong", wechat_index),
                ]
                key_rows_ += [
                    (phone_id + 2, case_id, item.scheme, item.strength, item.blind_index) for item in items
                ]
                # Report and case share their number; a typed identifier shares its case twin's id.
                typed_rows += [
                    (phone_id, _uuid(), case_id, "phone"),
                    (phone_id + 1, _uuid(), case_id, "wechat"),
                    (phone_id + 2, _uuid(), case_id, "name"),
                ]
            with transaction.atomic():
                reports.insert(
                    [(number + 1, _uuid(), secrets.token_bytes(32), 2019 + number % 6) for number in numbers]
                )
                cases.insert([(number + 1, _uuid(), f"B-{number:09d}") for number in numbers])
                links.insert([(number + 1, number + 1, number + 1) for number in numbers])
                identifiers.insert(identifier_rows)
                keys.insert(key_rows_)
                typed.insert(typed_rows)
                # The report-level key rows are the case-level ones under the report's id.
                typed_keys.insert(key_rows_)
            if start and start % (LOAD_BATCH * 10) == 0:
                print(
                    f"  {start} reports, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True
                )
        print(f"  loaded, indexing, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    _reset_sequences(list(loaded))
    generated = time.perf_counter() - started
    load_peak = _peak_rss_mib()
    connection.close()
    _reset_peak_rss()
    key_rows = IdentifierKey.objects.count()

    timings: list[float] = []
    report_timings: list[float] = []
    reference: list[float] = []
    for number in range(lookups):
        if number % 2 == 0:
            phone, wechat, name = synthetic.values(rng.randrange(size))
        else:
            phone, wechat, name = f"+8613{rng.randrange(10**9):09d}", f"wxid_new{number}", _name(number)
        begin = time.perf_counter()
        indexes = [
            item.blind_index
            for kind, value in (("phone", phone), ("wechat", wechat), ("name", name))
            for item in indexed_keys(kind=kind, value=value, region="DE", key=key)
        ]
        list(
            IdentifierKey.objects.filter(blind_index__in=indexes, key_version=key.version)
            .values_list("case_id", "strength")
            .distinct()
        )
        timings.append((time.perf_counter() - begin) * 1000)
        # The same lookup among reports (what the inbox and the worker read): every report sharing a key.
        begin = time.perf_counter()
        list(
            ReportIdentifierKey.objects.filter(blind_index__in=indexes, key_version=key.version)
            .values_list("report_id", "strength")
            .distinct()
        )
        report_timings.append((time.perf_counter() - begin) * 1000)
        # The reference, interleaved: a primary-key read of one case, so load on the shared machine shows
        # in both and the ratio of their p95s is comparable between runs.
        begin = time.perf_counter()
        Case.objects.filter(pk=rng.randrange(1, size + 1)).exists()
        reference.append((time.perf_counter() - begin) * 1000)
    timings.sort()
    report_timings.sort()
    reference.sort()

    begin = time.perf_counter()
    counts = recluster_all()
    first = time.perf_counter() - begin
    begin = time.perf_counter()
    again = recluster_all()
    second = time.perf_counter() - begin
    return {
        "database": connection.vendor,
        "reports": size,
        "identifiers": Identifier.objects.count(),
        "match_key_rows": key_rows,
        "generate_s": round(generated, 1),
        "lookup_ms": {
            "p50": round(statistics.median(timings), 2),
            "p95": round(timings[int(len(timings) * 0.95) - 1], 2),
            "max": round(timings[-1], 2),
        },
        # Index lookup only (the blind indexes are those computed for lookup_ms).
        "report_lookup_ms": {
            "p50": round(statistics.median(report_timings), 2),
            "p95": round(report_timings[int(len(report_timings) * 0.95) - 1], 2),
            "max": round(report_timings[-1], 2),
        },
        "reference_pk_read_ms": {
            "p50": round(statistics.median(reference), 2),
            "p95": round(reference[int(len(reference) * 0.95) - 1], 2),
        },
        "lookup_p95_over_reference_p95": round(
            timings[int(len(timings) * 0.95) - 1] / max(reference[int(len(reference) * 0.95) - 1], 1e-6), 1
        ),
        "recluster_s": {"first": round(first, 2), "again": round(second, 2)},
        "clusters": counts["clusters"],
        "clustered_cases": counts["clustered_cases"],
        "changed_on_second_run": again["changed"],
        "peak_rss_mib": _peak_rss_mib(),
        "load_peak_rss_mib": load_peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    add_arguments(parser)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.lookups, args.scale_seed)))
        return
    print(json.dumps(run_scale(args), indent=2))


if __name__ == "__main__":
    main()
