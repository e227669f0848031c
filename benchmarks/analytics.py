"""The analytics dashboard over a million coded incidents.

Run from the repository root (several minutes; most of it is generating the data)::

    .venv/bin/python benchmarks/analytics.py [--facts 1000000] [--loads 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/analytics.py

What it does, in one run:

1. **A fresh database**, as ``benchmarks/cases.py`` makes it: the test settings (throw-away data and keys
   directories, cheap Argon2 for the one log-in), a new SQLite file or ``test_<pid>`` database on the
   PostgreSQL server of ``DATABASE_URL``, migrated, and destroyed at the end whatever happened.
2. **Synthetic coded facts**, ``--facts`` of them, with realistic, skewed distributions: incidents growing
   year on year since 2015, a few communities and host countries holding most reports (Zipf), coarse regions
   for the countries that have them, origin regions following the community, one to four tactics, one to
   three channels, some actors and harms, a few unknown months and places. Written with COPY on PostgreSQL
   and 50,000-row ``executemany`` batches on SQLite (journal and syncing off: a throw-away file), then
   logged as a rebuild so that the app's copy of the facts loads them.
3. **The in-process copy** (``analytics.snapshot``) loaded and timed (``snapshot.load_s``), with its arrays'
   size and the process's RSS before and after.
4. **The dashboard, end to end.** An analyst logs in through the real form (password and TOTP); the Django
   test client (URL resolution, every middleware, the view, its queries, the SVG charts and templates) loads
   the full dashboard: two warm-up loads (``warm_up_loads``), then a fixed set of twenty different filter
   combinations and cross-tabulations (``VARIANTS``: those slowest before the copy — community, place and
   tactic at once, channel by actor, harm by community within a country, … — single filters, date ranges, no
   filter). ``dashboard`` gives p50, p95 and maximum in milliseconds. Target: p95 ≤ 1000 ms. Then one load
   after the services insert a fact, one after they delete one (the copy applies each change).
5. **A CSV download** of each load's cross-tabulation, through disclosure control, timed the same way.
6. **The reference**, in the same run: the first ``--reference-loads`` loads with every table grouped by
   SQL over the facts, as before the copy (``speed_up_p50`` is the ratio of the medians).

One JSON object on stdout; progress on stderr. A benchmark, not a test: nothing asserts on timing, and the
machine may be shared (``load_average`` is reported), so compare the dashboard with the reference of the
same run rather than absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from tests.conftest import log_in as log_in_through_form  # noqa: E402

from longarm.accounts.models import Role, StaffUser  # noqa: E402
from longarm.accounts.services import staff_create  # noqa: E402
from longarm.analytics import queries, services, snapshot  # noqa: E402
from longarm.analytics.dimensions import RELATIVE_TACTICS, relative_harms  # noqa: E402
from longarm.analytics.services import SyntheticFact, facts_insert_synthetic  # noqa: E402
from longarm.analytics.snapshot import version_record  # noqa: E402
from longarm.taxonomy.vocabularies import is_fh_physical, oxus_stage, vocabulary  # noqa: E402

PASSWORD = "a long benchmark passphrase 7"  # noqa: S105 - a throw-away account in a throw-away database
TARGET_P95_MS = 1000.0
BATCH = 50_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def codes(name: str) -> list[str]:
    return [term.code for term in vocabulary(name).terms]


def zipf(count: int, exponent: float = 1.1) -> list[float]:
    return [1 / rank**exponent for rank in range(1, count + 1)]


class Synthesis:
    """Draws facts with skewed, plausible distributions; seeded, so every run draws the same facts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.years = list(range(2015, 2027))
        self.year_weights = [1.25**index for index in range(len(self.years))]
        self.communities = [
            "uyghur", "hongkonger", "tibetan", "han_dissident", "southern_mongolian",
            "falun_gong", "kazakh_other_turkic", "christian", "other", "",
        ]  # fmt: skip
        self.community_weights = [35, 20, 12, 10, 6, 5, 4, 3, 3, 2]
        countries = list(vocabulary("host_countries").terms)
        self.rng.shuffle(countries)
        # The big diasporas first: they hold most reports.
        first = ["TR", "US", "GB", "JP", "DE", "CA", "AU", "KZ", "NL", "FR"]
        ordered = [c for code in first for c in countries if c.code == code]
        ordered += [c for c in countries if c.code not in first]
        self.countries = ordered
        self.country_weights = zipf(len(ordered), 1.3)
        self.origins = codes("origin_regions")
        self.by_community = {
            "uyghur": "xinjiang", "kazakh_other_turkic": "xinjiang", "tibetan": "tibet_ar",
            "southern_mongolian": "inner_mongolia", "hongkonger": "hong_kong",
        }  # fmt: skip
        self.tactics = codes("tactics")
        self.tactic_weights = zipf(len(self.tactics), 0.9)
        self.channels = codes("channels")
        self.channel_weights = zipf(len(self.channels), 1.0)
        self.actors = codes("actors")
        self.actor_weights = zipf(len(self.actors), 0.9)
        self.harms = codes("harms")
        self.harm_weights = zipf(len(self.harms), 0.8)
        self.relative_harms = relative_harms()

    def some(self, items: list[str], weights: list[float], low: int, high: int) -> list[str]:
        count = self.rng.randint(low, high)
        return sorted(set(self.rng.choices(items, weights, k=count)))

    def fact(self) -> tuple[tuple[Any, ...], dict[str, list[str]]]:
        rng = self.rng
        year = 0 if rng.random() < 0.02 else rng.choices(self.years, self.year_weights)[0]
        month = 0 if not year or rng.random() < 0.05 else rng.randint(1, 12)
        community = rng.choices(self.communities, self.community_weights)[0]
        country = rng.choices(self.countries, self.country_weights)[0]
        region = ""
        if country.children and rng.random() < 0.8:
            region = rng.choices(country.children, zipf(len(country.children), 1.2))[0].code
        origin = ""
        if rng.random() < 0.7:
            origin = self.by_community.get(community, "") or rng.choice(self.origins)
            if origin not in self.origins:
                origin = rng.choice(self.origins)
        found = {
            "tactic": self.some(self.tactics, self.tactic_weights, 1, 4),
            "channel": self.some(self.channels, self.channel_weights, 1, 3),
            "actor": self.some(self.actors, self.actor_weights, 0, 2),
            "harm": self.some(self.harms, self.harm_weights, 0, 3),
        }
        relatives = bool(RELATIVE_TACTICS & set(found["tactic"])) or bool(
            self.relative_harms & set(found["harm"])
        )
        row = (
            "incident", year, month, community, country.code, region, origin,
            "hotline" if rng.random() < 0.15 else "web", relatives,
            is_fh_physical(found["tactic"]), oxus_stage(found["tactic"]) or 0,
        )  # fmt: skip
        return row, found


FACT_COLUMNS = (
    "id, source, year, month, community, host_country, host_region, origin_region, intake_channel, "
    "relatives_targeted, fh_physical, oxus_stage"
)
CODE_COLUMNS = "fact_id, dimension, code"


def make_facts(count: int, rng: random.Random) -> None:
    """Insert the facts with the fastest writes each database offers: COPY on PostgreSQL, big
    ``executemany`` batches on SQLite with journal and syncing off (a throw-away file)."""
    synthesis = Synthesis(rng)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if not postgres:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-200000")
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        facts: list[tuple[Any, ...]] = []
        found_codes: list[tuple[int, str, str]] = []
        for number in range(made + 1, made + size + 1):
            row, found = synthesis.fact()
            facts.append((number, *row))
            found_codes.extend(
                (number, dimension, code) for dimension, values in found.items() for code in values
            )
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                raw = cursor.cursor
                with raw.copy(f"COPY analytics_factincident ({FACT_COLUMNS}) FROM STDIN") as copy:
                    for fact in facts:
                        copy.write_row(fact)
                with raw.copy(f"COPY analytics_factcode ({CODE_COLUMNS}) FROM STDIN") as copy:
                    for code in found_codes:
                        copy.write_row(code)
            else:
                marks = ", ".join(["%s"] * len(facts[0]))
                cursor.executemany(
                    f"INSERT INTO analytics_factincident ({FACT_COLUMNS}) VALUES ({marks})",  # noqa: S608 - fixed
                    facts,
                )
                cursor.executemany(
                    f"INSERT INTO analytics_factcode ({CODE_COLUMNS}) VALUES (%s, %s, %s)",  # noqa: S608 - fixed
                    found_codes,
                )
        made += size
        if made % 200_000 == 0:
            log(f"  {made} facts")
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('analytics_factincident', 'id'), %s)", [count + 1]
            )
        cursor.execute("ANALYZE")
        # Written behind the services' back: tell the processes' copies (snapshot) the store changed.
        version_record(reload=True)


def log_in(client: Client, user: StaffUser) -> None:
    # Through the real form, paying the gate as the tests do (the test settings make its price nominal).
    log_in_through_form(client, user, password=PASSWORD)


# Two loads before timing: templates, vocabularies, the database's cache (the copy of the facts is loaded and
# timed before them, as ``snapshot_load_s``).
WARM_UP: list[dict[str, str]] = [
    {"community": "kazakh_other_turkic"},
    {"rows": "community", "columns": "year", "host": "CA"},
]
# Twenty fixed loads: the slowest before the copy (several filters at once, pairs of multi-valued codes,
# a cross-tabulation with a filter on neither axis), single filters, date ranges and no filter at all.
VARIANTS: list[dict[str, str]] = [
    {},
    {"community": "uyghur", "host": "TR", "tactic": "threat_direct"},
    {"host": "GB", "tactic": "digital_attack"},
    {"rows": "channel", "columns": "actor"},
    {"rows": "harm", "columns": "community", "host": "US"},
    {"rows": "tactic", "columns": "channel", "community": "southern_mongolian"},
    {"start": "2022-01", "end": "2024-12"},
    {"community": "uyghur"},
    {"host": "JP-13"},
    {"tactic": "proxy_coercion_family"},
    {"community": "tibetan", "host": "US", "start": "2020-01", "rows": "actor", "columns": "harm"},
    {"rows": "tactic", "columns": "tactic", "community": "hongkonger", "host": "GB"},
    {"rows": "tactic", "columns": "host_country", "start": "2023-01", "end": "2023-12"},
    {"rows": "actor", "columns": "year", "community": "hongkonger", "tactic": "threat_direct"},
    {"rows": "origin_region", "columns": "tactic", "host": "DE", "tactic": "coerced_return"},
    {"rows": "host_region", "columns": "month", "start": "2025-01"},
    {"rows": "intake_channel", "columns": "relatives_targeted", "community": "uyghur", "host": "KZ"},
    {"start": "2018-06", "end": "2019-05", "tactic": "coerced_return", "community": "uyghur"},
    {"rows": "month", "columns": "channel", "host": "JP", "tactic": "digital_attack"},
    {"rows": "harm", "columns": "actor", "start": "2021-01", "end": "2026-12", "host": "CA"},
]


def dashboard_urls(variants: list[dict[str, str]]) -> list[str]:
    base = reverse("analytics:dashboard")
    return [f"{base}?{urlencode(variant)}" for variant in variants]


def measure(client: Client, urls: list[str], warm_up: list[str]) -> dict[str, Any]:
    for url in warm_up:
        client.get(url)
    timings = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    ordered = sorted(timings)
    slowest = sorted(zip(timings, urls, strict=True), reverse=True)[:5]
    return {
        "loads": len(timings),
        "warm_up_loads": len(warm_up),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(statistics.quantiles(ordered, n=20, method="inclusive")[18], 1)
        if len(ordered) > 1
        else round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
        "slowest": [{"ms": round(ms, 1), "query": url.split("?", 1)[-1]} for ms, url in slowest],
    }


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def timed(label: str, work: Callable[[], Any]) -> float:
    log(f"{label} …")
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    log(f"{label}: {elapsed:.1f} s")
    return round(elapsed, 1)


def run(options: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(7)
    load_at_start = load_average()
    analyst = staff_create(username="analyst", password=PASSWORD, role=Role.ANALYST).user
    generate = timed(f"{options.facts} facts", lambda: make_facts(options.facts, rng))
    client = Client(SERVER_NAME="localhost")
    log_in(client, analyst)
    rss_before = rss_mb()
    snapshot.forget()
    load = timed("copy of the facts", snapshot.current)
    rss_loaded = rss_mb()
    copy = snapshot.current()
    urls = dashboard_urls(VARIANTS[: options.loads] if options.loads <= len(VARIANTS) else VARIANTS)
    warm_up = dashboard_urls(WARM_UP)
    load_before = load_average()
    log("dashboard …")
    dashboard = measure(client, urls, warm_up)
    log(f"dashboard: {dashboard}")
    # One new fact, stored by the services: the next load appends it to the copy.
    facts_insert_synthetic(
        [SyntheticFact(year=2026, month=1, community="uyghur", tactics=("threat_direct",))]
    )
    start = time.perf_counter()
    client.get(urls[1])
    after_insert = round((time.perf_counter() - start) * 1000, 1)
    # A fact taken away, as a case edited or shredded takes its facts: the next load removes it from the copy.
    with transaction.atomic():
        services._drop([12345])
    start = time.perf_counter()
    client.get(urls[2])
    after_deletion = round((time.perf_counter() - start) * 1000, 1)
    download_urls = [
        f"{reverse('analytics:download', args=['crosstab', 'csv'])}?{url.split('?', 1)[1]}" for url in urls
    ]
    download = measure(client, download_urls, [])
    # The reference, in the same run: the same first loads with every table grouped by SQL over the facts.
    original = queries._snapshot_counts
    queries._snapshot_counts = queries._sql_counts
    try:
        reference = measure(client, urls[: options.reference_loads], [])
    finally:
        queries._snapshot_counts = original
    log(f"SQL reference: {reference}")
    return {
        "benchmark": "analytics",
        "database": connection.vendor,
        "facts": options.facts,
        "fact_codes": _count("analytics_factcode"),
        "generate_s": generate,
        "snapshot": {
            "load_s": load,
            "arrays_mb": round(copy.nbytes() / 2**20, 1),
            "process_rss_mb_before": rss_before,
            "process_rss_mb_after_load": rss_loaded,
            "process_rss_mb_after_every_load": rss_mb(),
            "dashboard_after_one_insert_ms": after_insert,
            "dashboard_after_one_deletion_ms": after_deletion,
        },
        "dashboard": dashboard,
        "csv_download": download,
        "sql_reference_dashboard": reference,
        "speed_up_p50": round(reference["p50_ms"] / max(dashboard["p50_ms"], 0.1), 1),
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": dashboard["p95_ms"] <= TARGET_P95_MS,
        "load_average": {"start": load_at_start, "before_dashboard": load_before, "end": load_average()},
        "cpus": os.cpu_count(),
    }


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a fixed table name
        return int(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--reference-loads", type=int, default=3)
    options = parser.parse_args()
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(json.dumps(run(options), indent=2))
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
