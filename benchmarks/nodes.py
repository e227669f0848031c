"""Several nodes: two web servers and two workers on one PostgreSQL, one Redis (and object storage when
configured), driven by reporters and staff who go back and forth between the two web servers; then the same
reports on a single node, to compare what the workers derived.

Run from the repository root, as CI can (a few minutes with ``--quick``)::

    .venv/bin/python benchmarks/nodes.py [--reporters 12] [--quick]

PostgreSQL: ``DATABASE_URL=postgres://…`` names a server on which fresh databases are created (and dropped);
without it, as root, a private cluster is made with ``initdb`` on a free port. Redis: ``LONGARM_TASKS_URL``
(``redis://…``), else a private ``redis-server``. ``LONGARM_STORAGE_URL`` (object storage) is passed on to
every node; without it both nodes share one storage directory, standing in for what several machines share.

What it does:

1. ``longarm init`` on node A (keyring, database, static files). Its keyring is copied to node B's own
   directory, as an operator distributes it (README "Running on several machines"), and ``longarm init``
   on node B finds it and the database ready. Staff are made with ``longarm createstaff``.
2. Node A and node B each run ``longarm serve --no-worker`` on their own port and ``longarm worker``.
3. Each reporter's browser sends every request to the other node than the last: the questionnaire's steps,
   a photo, the last step. Sessions live in the database, the vault key in the browser's cookie, and the
   Django secret key in the shared keyring, so the session must follow the reporter across nodes.
4. Rate limits: one browser tries wrong receipts on A and B in turn; it must be stopped after exactly
   ``LONGARM_RECEIPT_ATTEMPTS_PER_SESSION`` wrong tries, wherever they were made.
5. Staff: a caseworker logs in on A and reads the inbox and each report page on B; an analyst logs in on
   each node and both dashboards must show the same counts (each process keeps its own in-memory copy of
   the facts).
6. Every evidence item must be processed exactly once (one sanitised copy, one ``sanitised`` custody step)
   although two workers took from one queue.
7. The same reports (same answers, same keyring) are sent to a single node (one web server, one worker) on a
   fresh database: the facts and the blind-indexed links per report must be identical.

Prints JSON: ``ok`` (every check passed) and each check's figures.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faults import (
    Database,
    Failure,
    PrivatePostgres,
    PrivateRedis,
    Reporter,
    finish_submission,
    photo,
    wait_for,
)
from intake import (
    HOST,
    STEPS_BEFORE_FILES,
    Client,
    _exit_on_sigterm,
    drop_database,
    free_port,
    hidden_inputs,
    init_installation,
    longarm_command,
    pay_gate,
    server_environment,
    stop_server,
)

STAFF_PASSWORD = "correct horse battery staple 42"  # noqa: S105 - throw-away accounts of this run
COMMUNITIES = ("uyghur", "tibetan", "southern_mongolian", "hongkonger")


def log(message: str) -> None:
    print(f"[nodes] {message}", file=sys.stderr, flush=True)


def answers_for(number: int) -> list[tuple[str, str]]:
    """A report's answers, different for every reporter (identifiers, community, tactics)."""
    return [
        ("what_happened", f"Officers called my family about my work (report {number})."),
        ("incident_year", str(2020 + number % 6)),
        ("incident_month", str(1 + number % 12)),
        ("incident_day", ""),
        ("host_country", "JP"),
        ("host_region", "JP-13"),
        ("actor_types", "psb_local"),
        ("channels", "wechat"),
        ("tactics", ("relatives_threatened", "asked_to_stop_activity")[number % 2]),
        ("tactic_other", ""),
        ("relatives_at_risk", "My mother."),
        ("perpetrator_names", ("Wang Wei", "Li Na", "Zhang Wei")[number % 3]),
        ("perpetrator_phone_numbers", f"+86 138 0013 {8000 + number % 5:04d}"),
        ("perpetrator_wechat_ids", f"wxid_node{number % 4}"),
        ("perpetrator_badge_numbers", f"{150100 + number % 3}"),
        ("perpetrator_other", ""),
        ("community", COMMUNITIES[number % len(COMMUNITIES)]),
        ("contact", ""),
        ("consent", "review"),
    ]


class Roaming(Reporter):
    """A reporter whose every request goes to the next node in turn (one browser, one cookie jar: cookies
    are per host, not per port)."""

    def __init__(self, ports: list[int], number: int) -> None:
        super().__init__(ports[0])
        self.ports, self.number, self.turn = ports, number, 0

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None) -> tuple[int, bytes]:
        self.port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        return super().request(method, path, form)

    def step(self, path: str) -> None:
        form = [("csrfmiddlewaretoken", self.csrf_token or ""), *answers_for(self.number)]
        status, _page = self.request("POST", path, form)
        if status != 302:
            raise Failure(f"POST {path} {status} on port {self.port}")

    def upload(self, content: bytes, **kwargs: Any) -> tuple[int, bytes]:
        self.port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        return super().upload(content, **kwargs)


@dataclass
class Node:
    name: str
    env: dict[str, str]
    root: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    port: int = 0

    def spawn(self, *arguments: str) -> None:
        log_file = self.root / f"{self.name}-{len(self.processes)}.log"
        with log_file.open("wb") as output:
            self.processes.append(
                subprocess.Popen(  # noqa: S603 - our own command
                    [*longarm_command(), *arguments],
                    env=self.env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def start(self, *, web: bool = True) -> None:
        if web:
            self.port = free_port()
            self.spawn("serve", "--no-worker", "--workers", "1", "--bind", f"{HOST}:{self.port}")
        self.spawn("worker")
        if web:
            wait_for(lambda: _answers(self.port), 90, f"node {self.name} to answer")

    def command(self, *arguments: str, stdin: str = "") -> str:
        result = subprocess.run(  # noqa: S603 - our own command
            [*longarm_command(), *arguments],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"longarm {' '.join(arguments)} on {self.name}: {result.stdout}{result.stderr}"
            )
        return result.stdout

    def stop(self) -> None:
        for process in self.processes:
            stop_server(process)

    def logs(self) -> str:
        return "".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}\n"
            for path in sorted(self.root.glob(f"{self.name}-*.log"))
        )


def _answers(port: int) -> bool:
    try:
        return Client(port).request("GET", "/")[0] == 200
    except (OSError, http.client.HTTPException):
        return False


# --- Staff --------------------------------------------------------------------------------------------------


def create_staff(node: Node, name: str, role: str) -> bytes:
    """Create a staff member; return their TOTP key (from the provisioning URI ``createstaff`` prints)."""
    output = node.command(
        "createstaff",
        name,
        "--credentials-file",
        "-",
        *(["--receives-new-reports"] if role == "caseworker" else []),
        stdin=f"role: {role}\npassword: {STAFF_PASSWORD}\n",
    )
    uri = re.search(r"otpauth://\S+", output)
    assert uri is not None, output
    secret = urllib.parse.parse_qs(urllib.parse.urlsplit(uri[0]).query)["secret"][0]
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def totp_now(key: bytes) -> str:
    from django_otp.oath import totp

    return f"{totp(key, step=30, digits=6):06d}"


def staff_log_in(port: int, name: str, key: bytes) -> Client:
    client = Client(port)
    status, page = client.request("GET", "/console/login/")
    token = hidden_inputs(page).get("csrfmiddlewaretoken", "")
    form = [
        ("csrfmiddlewaretoken", token),
        ("username", name),
        ("password", STAFF_PASSWORD),
        ("otp_token", totp_now(key)),
        pay_gate(client, "login"),
    ]
    status, page = client.request("POST", "/console/login/", form)
    if status != 302:
        raise Failure(f"{name} could not log in on port {port}: {status}")
    return client


_TOTAL = re.compile(rb"(\d+) incidents? counted")
_TABLE = re.compile(rb"<table.*?</table>", re.S)
_REPORT_LINK = re.compile(rb'href="(/console/reports/[0-9a-f-]{36}/)"')


def dashboard(client: Client) -> tuple[int, list[bytes]]:
    status, page = client.request("GET", "/console/analytics/")
    if status != 200:
        raise Failure(f"dashboard {status}")
    total = _TOTAL.search(page)
    return (int(total[1]) if total else -1), _TABLE.findall(page)


# --- What the workers derived -------------------------------------------------------------------------------


def derived(database: Database) -> list[tuple[Any, ...]]:
    """Per report (in no particular order): its facts with their codes and its typed identifiers' blind
    indexes, comparable across databases (no row ids)."""
    facts: dict[int, list[tuple[Any, ...]]] = {}
    for row in database.rows(
        "SELECT f.report_id, f.id, f.year, f.month, f.community, f.host_country, f.host_region, "
        "f.origin_region, f.intake_channel, f.relatives_targeted, f.fh_physical, f.oxus_stage "
        "FROM analytics_factincident f WHERE f.source = 'report'"
    ):
        codes = sorted(
            (str(dimension), str(code))
            for dimension, code in database.rows(
                f"SELECT dimension, code FROM analytics_factcode WHERE fact_id = {int(row[1])}"  # noqa: S608
            )
        )
        facts.setdefault(int(row[0]), []).append((*(str(value) for value in row[2:]), tuple(codes)))
    links: dict[int, list[tuple[str, ...]]] = {}
    for report_id, scheme, strength, blind_index, version in database.rows(
        "SELECT report_id, scheme, strength, blind_index, key_version FROM linking_reportidentifierkey"
    ):
        links.setdefault(int(report_id), []).append(
            (scheme, strength, bytes(blind_index).hex(), str(version))
        )
    reports = {report_id for (report_id,) in database.rows("SELECT id FROM intake_report")}
    return sorted(
        (tuple(sorted(facts.get(report, []))), tuple(sorted(links.get(report, [])))) for report in reports
    )


def exactly_once(database: Database) -> dict[str, int]:
    rows = database.rows(
        "SELECT i.status, "
        "(SELECT count(*) FROM evidence_evidenceblob b WHERE b.item_id = i.id AND b.variant = 'derivative'), "
        "(SELECT count(*) FROM evidence_custodyevent c WHERE c.item_id = i.id AND c.action = 'sanitised') "
        "FROM evidence_evidenceitem i"
    )
    return {
        "items": len(rows),
        "ready_once": sum(
            1 for status, copies, steps in rows if status == "ready" and copies == 1 and steps == 1
        ),
        "not_ready": sum(1 for status, _, _ in rows if status != "ready"),
        "processed_twice": sum(1 for _, copies, steps in rows if copies > 1 or steps > 1),
    }


def settled(database: Database, items: int) -> bool:
    statuses = Counter(status for (status,) in database.rows("SELECT status FROM evidence_evidenceitem"))
    outbox = int(database.scalar("SELECT count(*) FROM core_outboxevent"))
    return sum(statuses.values()) >= items and set(statuses) <= {"ready", "failed"} and outbox == 0


def named_database(admin_url: str, name: str) -> str:
    """A fresh database ``name`` on the server ``admin_url`` names; its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}"))


def other_redis_database(url: str) -> str:
    """The same Redis server, the next database number: the single node's queue apart from the others'."""
    parts = urllib.parse.urlsplit(url)
    number = int(parts.path.lstrip("/") or 0)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{(number + 1) % 16}"))


# --- Putting it together ------------------------------------------------------------------------------------


def send_reports(ports: list[int], numbers: range, photos: list[bytes]) -> list[str]:
    receipts = []
    for number in numbers:
        reporter = Roaming(ports, number)
        status, page = reporter.request("GET", "/report/")
        reporter.csrf_token = hidden_inputs(page).get("csrfmiddlewaretoken")
        for path in STEPS_BEFORE_FILES:
            reporter.step(path)
        status, page = reporter.upload(photos[number % len(photos)])
        if status != 302:
            raise Failure(f"upload {status} on port {reporter.port}")
        reporter.to_review()
        if len(reporter.attached) != 1:
            raise Failure("the last step lost the photo sent to the other node")
        finish_submission(reporter, None)
        receipts.append(reporter.receipt)
    return receipts


def rate_limit_across(ports: list[int], allowed: int) -> dict[str, Any]:
    """Wrong receipts from one browser on A and B in turn: refused ``allowed`` times, then stopped."""
    client = Roaming(ports, 0)
    outcomes = []
    for _ in range(allowed + 2):
        _status, page = client.request("GET", "/mailbox/")
        token = hidden_inputs(page).get("csrfmiddlewaretoken", "")
        form = [("csrfmiddlewaretoken", token), ("receipt", "1" * 20), pay_gate(client, "receipt")]
        _status, page = client.request("POST", "/mailbox/", form)
        outcomes.append("stopped" if b"may not try another receipt" in page else "wrong")
    return {
        "outcomes": outcomes,
        "stopped_after": outcomes.index("stopped") if "stopped" in outcomes else None,
    }


def new_node(name: str, root: Path, base: dict[str, str], keys: Path, shared_storage: Path) -> Node:
    data = root / name
    data.mkdir(mode=0o700)
    env = server_environment(data)
    env.update(base)
    env["LONGARM_KEYS_DIR"] = str(keys)
    if "LONGARM_STORAGE_URL" not in base:
        env["LONGARM_STORAGE_DIR"] = str(shared_storage)
    return Node(name, env, root)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument(
        "--reporters", type=int, default=12, help="reports sent across the nodes (default 12)"
    )
    parser.add_argument("--quick", action="store_true", help="4 reporters and small photos")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.reporters = 4
    return arguments


def main() -> None:
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    temporary = Path(tempfile.mkdtemp(prefix="longarm-nodes-"))
    temporary.chmod(0o755)  # the private PostgreSQL runs as another user below it
    postgres: PrivatePostgres | None = None
    redis: PrivateRedis | None = None
    admin_url = os.environ.get("DATABASE_URL", "")
    databases: list[str] = []
    nodes: list[Node] = []
    result: dict[str, Any] = {"benchmark": "nodes", "reporters": arguments.reporters}
    try:
        if not admin_url.startswith(("postgres://", "postgresql://")):
            if os.geteuid() != 0 or not shutil.which("pg_ctl"):
                raise SystemExit(
                    "nodes.py needs DATABASE_URL=postgres://… or, as root, pg_ctl for a private one"
                )
            postgres = PrivatePostgres(temporary)
            admin_url = postgres.start()
        tasks_url = os.environ.get("LONGARM_TASKS_URL", "")
        if not tasks_url.startswith("redis://"):
            redis = PrivateRedis(temporary)
            tasks_url = redis.start()
        shared = {
            "DATABASE_URL": named_database(admin_url, f"longarm_nodes_{os.getpid()}"),
            "LONGARM_TASKS_URL": tasks_url,
        }
        databases.append(shared["DATABASE_URL"])
        shared.update(
            {"LONGARM_GATE_WORK": "1", "LONGARM_GATE_WORK_MAX": "1", "LONGARM_EVIDENCE_OCR": "false"}
        )
        if os.environ.get("LONGARM_STORAGE_URL"):
            shared["LONGARM_STORAGE_URL"] = os.environ["LONGARM_STORAGE_URL"]
        storage = temporary / "shared-storage"
        storage.mkdir(mode=0o700)
        keys_a, keys_b = temporary / "keys-a", temporary / "keys-b"
        node_a = new_node("a", temporary, shared, keys_a, storage)
        nodes.append(node_a)
        init_installation(node_a.env, temporary / "offline" / "recovery.key")
        # The keyring distributed to node B: the same files, its own copy (never the recovery private key).
        shutil.copytree(keys_a, keys_b)
        node_b = new_node("b", temporary, shared, keys_b, storage)
        nodes.append(node_b)
        node_b.command("init")
        caseworker_key = create_staff(node_a, "casey", "caseworker")
        analyst_keys = {name: create_staff(node_a, name, "analyst") for name in ("anna", "arlo")}
        node_a.start()
        node_b.start()
        ports = [node_a.port, node_b.port]
        log(f"node a on {node_a.port}, node b on {node_b.port}, {arguments.reporters} reporters")
        photos = [photo(0.2 if arguments.quick else 1.0, seed) for seed in range(3)]
        receipts = send_reports(ports, range(arguments.reporters - 1), photos)
        database = Database(shared["DATABASE_URL"], Path())
        wait_for(lambda: settled(database, arguments.reporters - 1), 300, "both workers to finish")
        # Each analyst's process loads its copy of the facts now; the last report must reach both copies.
        analysts = [
            staff_log_in(port, name, key)
            for port, (name, key) in zip(ports, analyst_keys.items(), strict=True)
        ]
        before = [dashboard(analyst)[0] for analyst in analysts]
        receipts += send_reports(ports, range(arguments.reporters - 1, arguments.reporters), photos)
        result["reports_sent_across_nodes"] = len(receipts)
        allowed = int(os.environ.get("LONGARM_RECEIPT_ATTEMPTS_PER_SESSION", "5"))
        limits = rate_limit_across(ports, allowed)
        result["rate_limit"] = {**limits, "allowed": allowed, "agrees": limits["stopped_after"] == allowed}
        wait_for(lambda: settled(database, arguments.reporters), 300, "both workers to finish")
        once = exactly_once(database)
        result["evidence"] = {**once, "ok": once["ready_once"] == once["items"] == arguments.reporters}
        # Staff across nodes: a session made on A used on B.
        casey = staff_log_in(node_a.port, "casey", caseworker_key)
        casey.port = node_b.port
        status, inbox = casey.request("GET", "/console/inbox/")
        links = sorted(set(_REPORT_LINK.findall(inbox)))
        opened = [casey.request("GET", link.decode())[0] for link in links]
        result["staff_session_across_nodes"] = {
            "inbox_on_b": status,
            "reports_listed": len(links),
            "report_pages_on_b": dict(Counter(opened)),
            "ok": status == 200 and len(links) == arguments.reporters and set(opened) == {200},
        }
        boards = [dashboard(analyst) for analyst in analysts]
        result["analytics_copies"] = {
            "totals_before_the_last_report": before,
            "totals": [total for total, _ in boards],
            "tables_equal": boards[0][1] == boards[1][1],
            "ok": boards[0] == boards[1] and boards[0][0] == arguments.reporters,
        }
        several = derived(database)
        for node in nodes:
            node.stop()
        # The same reports on a single node, same keyring, fresh database.
        single_url = named_database(admin_url, f"longarm_nodes_single_{os.getpid()}")
        databases.append(single_url)
        alone_env = {
            **shared,
            "DATABASE_URL": single_url,
            "LONGARM_TASKS_URL": other_redis_database(tasks_url),
        }
        single_storage = temporary / "single-storage"
        single_storage.mkdir(mode=0o700)
        single = new_node("single", temporary, alone_env, keys_a, single_storage)
        nodes.append(single)
        single.command("init")
        create_staff(single, "casey", "caseworker")
        single.start()
        send_reports([single.port], range(arguments.reporters), photos)
        single_database = Database(single_url, Path())
        wait_for(lambda: settled(single_database, arguments.reporters), 300, "the single node's worker")
        alone = derived(single_database)
        result["derived_like_single_node"] = {
            "reports": len(several),
            "facts": sum(len(facts) for facts, _ in several),
            "blind_indexes": sum(len(links) for _, links in several),
            "identical": several == alone,
        }
        result["ok"] = all(
            part.get("ok", part.get("agrees", part.get("identical")))
            for part in (
                result["rate_limit"],
                result["evidence"],
                result["staff_session_across_nodes"],
                result["analytics_copies"],
                result["derived_like_single_node"],
            )
        )
    except BaseException:
        for node in nodes:
            sys.stderr.write(node.logs())
        raise
    finally:
        for node in nodes:
            node.stop()
        for url in databases:
            drop_database(admin_url, url)
        if postgres is not None:
            postgres.stop()
        if redis is not None:
            redis.stop()
        shutil.rmtree(temporary, ignore_errors=True)
    print(json.dumps(result, indent=2))
    if not result.get("ok"):
        sys.exit(1)


if __name__ == "__main__":
    main()
