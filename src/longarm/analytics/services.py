"""Keeping the coded-fact store in step with reports and cases (see ``models`` for what is counted).

A submitted report is counted after its commit, by the outbox's delivery (``subscribers``); the writes of
other apps call these in their own transaction: a case opened, an incident coded, cases merged or split, a
report or case shredded. Each recomputes the facts of the one report
or case it touched, so the store never depends on the order of events; ``facts_rebuild`` recomputes all.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from longarm.accounts.models import StaffUser
from longarm.analytics.dimensions import RELATIVE_TACTICS, relative_harms
from longarm.analytics.models import FactCode, FactIncident, FactSource
from longarm.analytics.queries import AnalyticsFilters
from longarm.analytics.snapshot import version_record
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append
from longarm.cases.models import Case, Incident
from longarm.intake.models import Report
from longarm.taxonomy.exceptions import UnknownCodeError
from longarm.taxonomy.vocabularies import analytic_tactics_for, is_fh_physical, oxus_stage

logger = logging.getLogger(__name__)

BATCH = 2000


@dataclass(frozen=True)
class RebuildResult:
    facts: int


# Facts ------------------------------------------------------------------------------------------------------


def _known_tactics(codes: Iterable[str]) -> list[str]:
    return sorted(set(codes))


def _flags(tactics: Sequence[str], harms: Sequence[str]) -> dict[str, object]:
    try:
        physical, stage = is_fh_physical(tactics), oxus_stage(tactics) or 0
    except UnknownCodeError:
        physical, stage = False, 0
    return {
        "relatives_targeted": bool(RELATIVE_TACTICS & set(tactics)) or bool(relative_harms() & set(harms)),
        "fh_physical": physical,
        "oxus_stage": stage,
    }


def _report_fact(report: Report) -> tuple[FactIncident, dict[str, list[str]]]:
    try:
        tactics = sorted(analytic_tactics_for(report.tactic_codes))
    except UnknownCodeError:
        tactics = []
    codes = {
        "tactic": tactics,
        "channel": sorted(set(report.channel_codes)),
        "actor": sorted(set(report.actor_codes)),
        "harm": [],
    }
    fact = FactIncident(
        source=FactSource.REPORT,
        report=report,
        year=report.incident_year or 0,
        month=(report.incident_month or 0) if report.incident_year else 0,
        community=report.community,
        host_country=report.host_country,
        host_region=report.host_region,
        intake_channel=report.intake_channel,
        **_flags(tactics, []),
    )
    return fact, codes


def _incident_fact(incident: Incident, first: Report) -> tuple[FactIncident, dict[str, list[str]]]:
    codes = {
        "tactic": sorted(set(incident.tactics)),
        "channel": sorted(set(incident.channels)),
        "actor": sorted(set(incident.actors)),
        "harm": sorted(set(incident.harms)),
    }
    # Where the caseworker left the place uncoded, the reporter's own coarse answer stands in.
    host_country, host_region = incident.host_country, incident.host_region
    if not host_country:
        host_country, host_region = first.host_country, first.host_region
    fact = FactIncident(
        source=FactSource.INCIDENT,
        incident=incident,
        year=incident.year or 0,
        month=(incident.month or 0) if incident.year else 0,
        community=first.community,
        host_country=host_country,
        host_region=host_region,
        origin_region=incident.origin_region,
        intake_channel=first.intake_channel,
        **_flags(codes["tactic"], codes["harm"]),
    )
    return fact, codes


def _store(facts: list[tuple[FactIncident, dict[str, list[str]]]], *, log: bool = True) -> list[int]:
    if not facts:
        return []
    # Both databases return the new primary keys from a bulk insert (RETURNING).
    created = FactIncident.objects.bulk_create([fact for fact, _ in facts])
    FactCode.objects.bulk_create(
        FactCode(fact=fact, dimension=dimension, code=code)
        for fact, (_, codes) in zip(created, facts, strict=True)
        for dimension, values in codes.items()
        for code in values
    )
    ids = [fact.pk for fact in created]
    if log:
        version_record(inserted=ids)
    return ids


def _drop(facts: Iterable[int]) -> None:
    ids = list(facts)
    if not ids:
        return
    version_record(deleted=ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        FactIncident.objects.filter(pk__in=chunk).delete()


def _case_facts(case: Case) -> list[tuple[FactIncident, dict[str, list[str]]]]:
    reports = list(Report.objects.filter(case_link__case=case).order_by("id"))
    consenting = [report for report in reports if report.statistics_consent]
    incidents = list(case.incidents.order_by("id"))
    if incidents and consenting and len(consenting) == len(reports):
        return [_incident_fact(incident, consenting[0]) for incident in incidents]
    return [_report_fact(report) for report in consenting]


def _existing_case_facts(case: Case) -> list[int]:
    mine = Q(incident__case=case) | Q(report__case_link__case=case)
    return list(FactIncident.objects.filter(mine).values_list("pk", flat=True).distinct())


@transaction.atomic
def facts_sync_case(*, case: Case) -> int:
    """Recompute the facts of ``case`` (its incidents or its consenting reports); returns how many it has."""
    _drop(_existing_case_facts(case))
    facts = _case_facts(case)
    _store(facts)
    return len(facts)


@transaction.atomic
def facts_sync_report(*, report: Report) -> int:
    """Recompute the facts of ``report``, or of its case if it is in one; returns how many there are."""
    case = Case.objects.filter(case_reports__report=report).first()
    if case is not None:
        return facts_sync_case(case=case)
    _drop(FactIncident.objects.filter(report=report).values_list("pk", flat=True))
    if not report.statistics_consent:
        return 0
    _store([_report_fact(report)])
    return 1


@transaction.atomic
def facts_forget_report(*, report: Report) -> None:
    """Take a report's fact out of the store, before the report is destroyed."""
    _drop(FactIncident.objects.filter(report=report).values_list("pk", flat=True))


@transaction.atomic
def facts_forget_case(*, case: Case) -> None:
    """Take every fact of a case out of the store, before the case is destroyed."""
    _drop(_existing_case_facts(case))


def facts_rebuild() -> RebuildResult:
    """Recompute every fact from the reports and cases; returns how many there are.

    One transaction: dashboards read the old store until the new one is complete.
    """
    with transaction.atomic():
        FactIncident.objects.all().delete()
        batch: list[tuple[FactIncident, dict[str, list[str]]]] = []
        facts = 0
        outside = Report.objects.filter(statistics_consent=True, case_link__isnull=True).order_by("id")
        for report in outside.iterator(chunk_size=BATCH):
            batch.append(_report_fact(report))
            if len(batch) >= BATCH:
                facts += len(_store(batch, log=False))
                batch = []
        for case in Case.objects.order_by("id").iterator(chunk_size=BATCH):
            batch.extend(_case_facts(case))
            if len(batch) >= BATCH:
                facts += len(_store(batch, log=False))
                batch = []
        facts += len(_store(batch, log=False))
        version_record(reload=True)
        audit_append(
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            action="analytics.rebuild",
            object_type="analytics",
            object_id="facts",
        )
    logger.info("Analytics rebuilt: %d facts", facts)
    return RebuildResult(facts=facts)


@transaction.atomic
def analytics_record_access(*, actor: StaffUser, table: str, filters: AnalyticsFilters, form: str) -> None:
    """Audit that ``actor`` looked at (``form`` "view") or downloaded ("csv", "json") a table with these
    filters. Codes and months only: the audit log holds no count."""
    period = f":{filters.start or ''}..{filters.end or ''}" if filters.start or filters.end else ""
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=f"analytics.{form}{period}",
        object_type=table[:40],
        object_id="|".join((filters.community, filters.host_region or filters.host_country, filters.tactic)),
    )


@dataclass(frozen=True)
class SyntheticFact:
    """A fact with no report or incident behind it, for benchmarks and tests of counting."""

    year: int = 0
    month: int = 0
    community: str = ""
    host_country: str = ""
    host_region: str = ""
    origin_region: str = ""
    intake_channel: str = ""
    tactics: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    harms: tuple[str, ...] = ()


def facts_insert_synthetic(facts: Iterable[SyntheticFact]) -> int:
    """Store synthetic facts; returns how many were stored."""
    stored = 0
    batch: list[tuple[FactIncident, dict[str, list[str]]]] = []

    def flush() -> None:
        nonlocal stored, batch
        with transaction.atomic():
            ids = _store(batch)
        stored += len(ids)
        batch = []

    for item in facts:
        codes = {
            "tactic": sorted(set(item.tactics)),
            "channel": sorted(set(item.channels)),
            "actor": sorted(set(item.actors)),
            "harm": sorted(set(item.harms)),
        }
        fact = FactIncident(
            source=FactSource.INCIDENT,
            year=item.year,
            month=item.month if item.year else 0,
            community=item.community,
            host_country=item.host_country,
            host_region=item.host_region,
            origin_region=item.origin_region,
            intake_channel=item.intake_channel,
            **_flags(codes["tactic"], codes["harm"]),
        )
        batch.append((fact, codes))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return stored
