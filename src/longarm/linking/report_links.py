"""Reads of report-level linking: which other reports and cases share a match key with a report, for the
inbox and the report page, before anyone opens a case.

The holder-only rules of case pages (:mod:`longarm.linking.selectors`) apply: a report or case the reader
holds is named, with the scheme and strength of the link; one they do not hold is only counted, and only
when the key is strong on both sides — a name or organisation match to something the reader does not hold
is not even counted. (Stricter than a case page, which also counts a weak link a holder of both cases
confirmed: a report is matched on what its reporter typed, and nobody confirmed that.) A report grouped in a
case counts as that case, a report's own case is not "another" case, and a link a caseworker rejected
between its case and another is left out.

Bounded: a key thousands of reports share (one officer's phone number, nationally) would otherwise make
every inbox page read and hold every one of them for each listed report. Per key, only the newest
``READ_PER_KEY`` reports and cases holding it are read (one window query per kind, whatever the page's
length); a report with a key that had more says so (``ReportLinks.complete`` is False), and its count is
then a lower bound: the page says "N or more".
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import RowNumber

from longarm.accounts.models import StaffUser
from longarm.cases.models import Case, CaseKey, CaseKeyKind, CaseReport
from longarm.intake.models import KeyKind, RecipientKind, Report, SealedKey
from longarm.linking.index import current_linking_key
from longarm.linking.models import (
    Decision,
    IdentifierKey,
    LinkReview,
    ReportIdentifierKey,
    Strength,
)
from longarm.linking.selectors import held_case_ids, scheme_label

# A linked thing: ("case", pk) or ("report", pk) for a report in no case.
Target = tuple[str, int]
CASE, REPORT = "case", "report"
# Blind indexes per query: SQLite allows a limited number of parameters.
_BATCH = 500
# Reports (and, apart, cases) read per key: the newest; a key held by more makes its reports' links
# incomplete.
READ_PER_KEY = 100


@dataclass
class _Found:
    strong: bool = False
    schemes: set[str] = field(default_factory=set)


@dataclass
class ReportLinks:
    """What the inbox and the report page say about one report's links."""

    strength: str = ""
    held_reports: list[Report] = field(default_factory=list)
    held_cases: list[Case] = field(default_factory=list)
    hidden_count: int = 0
    schemes: list[str] = field(default_factory=list)
    # False: one of the report's keys is held by more than ``READ_PER_KEY`` reports or cases, so the lists
    # and the count are what was read, and there are more.
    complete: bool = True

    @property
    def read_per_key(self) -> int:
        return READ_PER_KEY

    @property
    def total(self) -> int:
        return len(self.held_reports) + len(self.held_cases) + self.hidden_count

    @property
    def scheme_labels(self) -> list[str]:
        return [scheme_label(scheme) for scheme in self.schemes]


def _held_report_ids(*, user: StaffUser, report_ids: set[int]) -> set[int]:
    return set(
        SealedKey.objects.filter(
            report_id__in=report_ids, kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
        ).values_list("report_id", flat=True)
    )


def _rejected(case_ids: set[int], version: int) -> set[tuple[int, int, bytes]]:
    if len(case_ids) < 2:
        return set()
    return {
        (low, high, bytes(index))
        for low, high, index in LinkReview.objects.filter(
            key_version=version, decision=Decision.REJECTED, low_id__in=case_ids, high_id__in=case_ids
        ).values_list("low_id", "high_id", "blind_index")
    }


def _holders(
    rows: QuerySet[Any],
    holder: str,
    indexes: list[bytes],
    into: dict[bytes, dict[int, bool]],
    overflowing: set[bytes],
) -> None:
    """Add to ``into`` the holders (reports or cases) of the newest ``READ_PER_KEY`` rows of each of
    ``indexes`` among ``rows``, and whether any of a holder's rows is strong; add to ``overflowing`` each
    index that has more rows than that."""
    for start in range(0, len(indexes), _BATCH):
        batch = indexes[start : start + _BATCH]
        numbered = rows.filter(blind_index__in=batch).annotate(
            place=Window(
                RowNumber(), partition_by=[F("blind_index")], order_by=[F(holder).desc(), F("pk").asc()]
            )
        )
        for raw_index, holder_id, strength, place in numbered.filter(place__lte=READ_PER_KEY + 1).values_list(
            "blind_index", holder, "strength", "place"
        ):
            index = bytes(raw_index)
            if place > READ_PER_KEY:
                overflowing.add(index)
                continue
            held = into[index]
            held[holder_id] = held.get(holder_id, False) or strength == Strength.STRONG


def _found_links(report_ids: list[int], user: StaffUser) -> tuple[dict[int, dict[Target, _Found]], set[int]]:
    """Per report of ``report_ids``: the other reports (or their cases) and cases sharing one of its keys
    (up to ``READ_PER_KEY`` per key), with whether the link is strong on both sides and the schemes it is
    on; and the reports one of whose keys has more holders than were read. Rejected links between two
    cases are left out."""
    version = current_linking_key().version
    mine: dict[int, dict[bytes, tuple[bool, str]]] = defaultdict(dict)
    for report_id, raw_index, strength, scheme in ReportIdentifierKey.objects.filter(
        report_id__in=report_ids, key_version=version
    ).values_list("report_id", "blind_index", "strength", "scheme"):
        index = bytes(raw_index)
        old_strong, old_scheme = mine[report_id].get(index, (False, scheme))
        mine[report_id][index] = (old_strong or strength == Strength.STRONG, min(old_scheme, scheme))
    strong = list({index for keys in mine.values() for index, (is_strong, _s) in keys.items() if is_strong})
    weak = list({index for keys in mine.values() for index in keys} - set(strong))
    if not strong and not weak:
        return {}, set()
    # Per index, the reports and cases holding it, and whether any of their rows is strong. A weak key
    # (a name: thousands of reports may share a common one) links only to what the reader holds, so only
    # those rows are read for it.
    reports_by_index: dict[bytes, dict[int, bool]] = defaultdict(dict)
    cases_by_index: dict[bytes, dict[int, bool]] = defaultdict(dict)
    report_rows = ReportIdentifierKey.objects.filter(key_version=version)
    case_rows = IdentifierKey.objects.filter(key_version=version)
    sealed = SealedKey.objects.filter(
        report=OuterRef("report_id"), kind=KeyKind.DATA, recipient_kind=RecipientKind.STAFF, staff=user
    )
    held_case = CaseKey.objects.filter(case=OuterRef("case_id"), kind=CaseKeyKind.DATA, staff=user)
    overflowing: set[bytes] = set()
    for indexes, reports, cases in (
        (strong, report_rows, case_rows),
        (weak, report_rows.filter(Exists(sealed)), case_rows.filter(Exists(held_case))),
    ):
        _holders(reports, "report_id", indexes, reports_by_index, overflowing)
        _holders(cases, "case_id", indexes, cases_by_index, overflowing)
    everyone = set(report_ids) | {pk for held in reports_by_index.values() for pk in held}
    case_of = dict(CaseReport.objects.filter(report_id__in=everyone).values_list("report_id", "case_id"))
    involved_cases = set(case_of.values()) | {pk for held in cases_by_index.values() for pk in held}
    rejected = _rejected(involved_cases, version)
    found: dict[int, dict[Target, _Found]] = {}
    for report_id, keys in mine.items():
        own_case = case_of.get(report_id)
        targets: dict[Target, _Found] = {}
        for index, (strong_here, scheme) in keys.items():
            others: list[tuple[Target, bool]] = [
                ((CASE, case_of[other]) if other in case_of else (REPORT, other), strong)
                for other, strong in reports_by_index[index].items()
                if other != report_id
            ]
            others += [((CASE, case_id), strong) for case_id, strong in cases_by_index[index].items()]
            for target, strong_there in others:
                if target == (CASE, own_case):
                    continue
                if own_case is not None and target[0] == CASE:
                    pair = (min(own_case, target[1]), max(own_case, target[1]), index)
                    if pair in rejected:
                        continue
                entry = targets.setdefault(target, _Found())
                entry.strong = entry.strong or (strong_here and strong_there)
                entry.schemes.add(scheme)
        found[report_id] = targets
    incomplete = {report_id for report_id, keys in mine.items() if not overflowing.isdisjoint(keys)}
    return found, incomplete


def report_links(*, reports: Iterable[Report], user: StaffUser) -> dict[int, ReportLinks]:
    """For each of ``reports`` linked to anything ``user`` may be told of: the reports and cases they
    hold (named) and the number of the others (counted only when the link is strong on both sides), as
    far as ``READ_PER_KEY`` holders per key were read (``complete``)."""
    found, incomplete = _found_links([report.pk for report in reports], user)
    report_targets = {pk for targets in found.values() for kind, pk in targets if kind == REPORT}
    case_targets = {pk for targets in found.values() for kind, pk in targets if kind == CASE}
    held_reports = {
        item.pk: item
        for item in Report.objects.filter(pk__in=_held_report_ids(user=user, report_ids=report_targets))
    }
    held_cases = {
        item.pk: item for item in Case.objects.filter(pk__in=held_case_ids(user=user, case_ids=case_targets))
    }
    result: dict[int, ReportLinks] = {}
    for report_id, targets in found.items():
        links = ReportLinks()
        schemes: set[str] = set()
        for (kind, pk), entry in sorted(targets.items()):
            held = held_reports.get(pk) if kind == REPORT else held_cases.get(pk)
            if held is None and not entry.strong:
                continue
            if isinstance(held, Report):
                links.held_reports.append(held)
            elif isinstance(held, Case):
                links.held_cases.append(held)
            else:
                links.hidden_count += 1
            schemes |= entry.schemes
            if entry.strong or not links.strength:
                links.strength = Strength.STRONG if entry.strong else Strength.WEAK
        if links.total:
            links.schemes = sorted(schemes)
            links.complete = report_id not in incomplete
            result[report_id] = links
    return result


def reports_sharing(*, report: Report, user: StaffUser) -> ReportLinks:
    """The links of one report (its page)."""
    return report_links(reports=[report], user=user).get(report.pk, ReportLinks())
