"""Reads of the linking app: the links of a case's identifiers (for its case page), pending access
requests, and what a cluster page shows. A case the reader does not hold appears only as a count or an
anonymous node with its coded fields (DESIGN §5): never its reference, content or identifiers."""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from longarm.accounts.models import StaffUser
from longarm.cases.contexts import identifier_context
from longarm.cases.keys import decrypt_json
from longarm.cases.models import Case, CaseKeyKind, Identifier, IdentifierKind, Incident
from longarm.cases.selectors import CaseKeys
from longarm.intake.models import Report
from longarm.linking.clusters import edges_of
from longarm.linking.index import current_linking_key
from longarm.linking.models import (
    AccessRequest,
    ClusterMembership,
    Decision,
    IdentifierKey,
    LinkReview,
    RequestStatus,
    Strength,
)

# Past this many cases a cluster page draws no picture (the table and export still list every case).
MAX_DRAWN_CASES = 60


@dataclass(frozen=True)
class LinkedCase:
    case: Case
    scheme: str
    strength: str
    # None until a caseworker confirmed or rejected the link.
    decision: str | None


@dataclass
class IdentifierLinks:
    """What the case page says about one identifier: which other cases share a key with it."""

    strength: str = ""
    schemes: list[str] = field(default_factory=list)
    held: list[LinkedCase] = field(default_factory=list)
    hidden_count: int = 0
    request_pending: bool = False

    @property
    def total(self) -> int:
        return len(self.held) + self.hidden_count

    @property
    def scheme_labels(self) -> list[str]:
        return [scheme_label(scheme) for scheme in self.schemes]


def scheme_label(scheme: str) -> str:
    """A readable name of a match key's scheme ("phone", "name:pinyin")."""
    kind, _sep, variant = scheme.partition(":")
    label = str(IdentifierKind(kind).label) if kind in IdentifierKind.values else kind
    return f"{label} ({variant})" if variant else label


def identifier_links(*, case: Case, user: StaffUser) -> dict[int, IdentifierLinks]:
    """For each identifier of ``case`` linked to another case: the cases ``user`` holds (with the scheme,
    strength and any decision) and the number of cases they do not hold. Rejected links are left out."""
    version = current_linking_key().version
    mine = list(
        IdentifierKey.objects.filter(case=case, key_version=version).values_list(
            "identifier_id", "blind_index", "scheme", "strength"
        )
    )
    if not mine:
        return {}
    by_index: dict[bytes, list[tuple[int, str, str]]] = defaultdict(list)
    for identifier_id, index, scheme, strength in mine:
        by_index[bytes(index)].append((identifier_id, scheme, strength))
    others = list(
        IdentifierKey.objects.filter(blind_index__in=list(by_index), key_version=version)
        .exclude(case=case)
        .values_list("blind_index", "case_id")
        .distinct()
    )
    if not others:
        return {}
    other_ids = {case_id for _, case_id in others}
    held = {
        item.pk: item
        for item in Case.objects.filter(pk__in=other_ids, keys__kind=CaseKeyKind.DATA, keys__staff=user)
    }
    decisions = {
        (review.low_id, review.high_id, bytes(review.blind_index)): review.decision
        for review in LinkReview.objects.filter(key_version=version, low_id__in=other_ids | {case.pk}).filter(
            high_id__in=other_ids | {case.pk}
        )
    }
    pending = set(
        AccessRequest.objects.filter(
            requester=user, status=RequestStatus.PENDING, because_of=case
        ).values_list("case_id", flat=True)
    )
    links: dict[int, IdentifierLinks] = {}
    hidden: dict[int, set[int]] = defaultdict(set)
    seen: dict[int, set[int]] = defaultdict(set)
    for raw_index, other_id in others:
        index = bytes(raw_index)
        decision = decisions.get((min(case.pk, other_id), max(case.pk, other_id), index))
        if decision == Decision.REJECTED:
            continue
        for identifier_id, scheme, strength in by_index[index]:
            entry = links.setdefault(identifier_id, IdentifierLinks())
            if strength == Strength.STRONG or not entry.strength:
                entry.strength = strength
            if scheme not in entry.schemes:
                entry.schemes.append(scheme)
            if other_id in held:
                if other_id not in seen[identifier_id]:
                    seen[identifier_id].add(other_id)
                    entry.held.append(LinkedCase(held[other_id], scheme, strength, decision))
            else:
                hidden[identifier_id].add(other_id)
    for identifier_id, cases in hidden.items():
        links[identifier_id].hidden_count = len(cases)
        links[identifier_id].request_pending = bool(cases & pending)
    return links


@dataclass(frozen=True)
class CaseLinking:
    """What the case page shows about linking besides each identifier's links."""

    in_cluster: bool
    # Pending access requests for the case.
    requests: int


def case_linking(*, case: Case) -> CaseLinking:
    return CaseLinking(
        in_cluster=ClusterMembership.objects.filter(case=case).exists(),
        requests=AccessRequest.objects.filter(case=case, status=RequestStatus.PENDING).count(),
    )


def requests_for_holder(*, user: StaffUser) -> QuerySet[AccessRequest]:
    """Pending requests for cases whose data key is sealed to ``user``."""
    return (
        AccessRequest.objects.filter(
            status=RequestStatus.PENDING, case__keys__kind=CaseKeyKind.DATA, case__keys__staff=user
        )
        .select_related("case", "requester")
        .distinct()
    )


def request_for_holder(*, user: StaffUser, request_id: int) -> AccessRequest:
    request = requests_for_holder(user=user).filter(pk=request_id).first()
    if request is None:
        raise Http404
    return request


@dataclass(frozen=True)
class ClusterCase:
    number: int
    case: Case
    held: bool
    reports: int
    communities: list[str]
    host_countries: list[str]
    years: list[int]
    tactics: list[str]
    status: str
    urgency: str


@dataclass(frozen=True)
class ClusterEdge:
    first: int
    second: int
    scheme: str
    strength: str


@dataclass(frozen=True)
class Cluster:
    cases: list[ClusterCase]
    edges: list[ClusterEdge]
    headline_scheme: str
    # The shared value, only when the reader holds a case containing it.
    headline_value: str | None
    reports: int
    communities: int
    first_year: int | None
    last_year: int | None

    @property
    def drawn(self) -> bool:
        return len(self.cases) <= MAX_DRAWN_CASES


def _cluster_case_ids(case: Case) -> list[int]:
    membership = ClusterMembership.objects.filter(case=case).first()
    if membership is None:
        return [case.pk]
    return sorted(
        ClusterMembership.objects.filter(cluster=membership.cluster).values_list("case_id", flat=True)
    )


@dataclass
class _Coded:
    reports: int = 0
    communities: set[str] = field(default_factory=set)
    host_countries: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    tactics: set[str] = field(default_factory=set)


def _coded(case_ids: list[int]) -> dict[int, _Coded]:
    coded = {pk: _Coded() for pk in case_ids}
    for report in Report.objects.filter(case_link__case_id__in=case_ids).values(
        "case_link__case_id", "community", "host_country", "incident_year", "received_on", "tactic_codes"
    ):
        entry = coded[report["case_link__case_id"]]
        entry.reports += 1
        entry.communities.add(report["community"])
        entry.host_countries.add(report["host_country"])
        entry.years.add(report["incident_year"] or report["received_on"].year)
        entry.tactics.update(report["tactic_codes"] or [])
    for incident in Incident.objects.filter(case_id__in=case_ids).values(
        "case_id", "year", "host_country", "tactics"
    ):
        entry = coded[incident["case_id"]]
        entry.host_countries.add(incident["host_country"])
        if incident["year"]:
            entry.years.add(incident["year"])
        entry.tactics.update(incident["tactics"] or [])
    for entry in coded.values():
        entry.communities.discard("")
        entry.host_countries.discard("")
    return coded


def _headline(case_ids: list[int], held: set[int]) -> tuple[str, Identifier | None]:
    """The strong key most cases of the cluster share, and an identifier holding it in a case the reader
    holds (None if there is none)."""
    version = current_linking_key().version
    rows = IdentifierKey.objects.filter(case_id__in=case_ids, key_version=version).values_list(
        "blind_index", "case_id", "scheme", "strength", "identifier_id"
    )
    cases: dict[bytes, set[int]] = defaultdict(set)
    info: dict[bytes, tuple[str, str]] = {}
    identifiers: dict[bytes, dict[int, int]] = defaultdict(dict)
    for index, case_id, scheme, strength, identifier_id in rows:
        cases[bytes(index)].add(case_id)
        info[bytes(index)] = (scheme, strength)
        identifiers[bytes(index)].setdefault(case_id, identifier_id)
    if not cases:
        return "", None
    best = max(cases, key=lambda index: (info[index][1] == Strength.STRONG, len(cases[index])))
    mine = [identifier for case_id, identifier in identifiers[best].items() if case_id in held]
    return info[best][0], Identifier.objects.filter(pk__in=mine[:1]).select_related("case").first()


def cluster_of(*, case: Case, user: StaffUser, keys_for: Callable[[Case], CaseKeys]) -> Cluster:
    """The cluster ``case`` (held by ``user``) belongs to. ``keys_for`` opens the data key of a held case,
    used only to show the shared value; the caller audits the reading."""
    case_ids = _cluster_case_ids(case)
    cases = {item.pk: item for item in Case.objects.filter(pk__in=case_ids)}
    held = set(
        Case.objects.filter(pk__in=case_ids, keys__kind=CaseKeyKind.DATA, keys__staff=user).values_list(
            "pk", flat=True
        )
    )
    coded = _coded(case_ids)
    rows = [
        ClusterCase(
            number=number,
            case=cases[pk],
            held=pk in held,
            reports=coded[pk].reports,
            communities=sorted(coded[pk].communities),
            host_countries=sorted(coded[pk].host_countries),
            years=sorted(coded[pk].years),
            tactics=sorted(coded[pk].tactics),
            status=cases[pk].status,
            urgency=cases[pk].urgency,
        )
        for number, pk in enumerate(case_ids, start=1)
    ]
    numbers = {row.case.pk: row.number for row in rows}
    edges = [
        ClusterEdge(numbers[first], numbers[second], scheme, strength)
        for first, second, scheme, strength in edges_of(set(case_ids))
    ]
    scheme, identifier = _headline(case_ids, held)
    value = None
    if identifier is not None:
        data_key = keys_for(identifier.case).data
        context = identifier_context(identifier.case.public_id, identifier.public_id)
        value = str(decrypt_json(data_key, identifier.ciphertext, context=context)["value"])
    years = [year for row in rows for year in row.years]
    communities: Counter[str] = Counter(code for row in rows for code in row.communities)
    return Cluster(
        cases=rows,
        edges=edges,
        headline_scheme=scheme,
        headline_value=value,
        reports=sum(row.reports for row in rows),
        communities=len(communities),
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
    )


def cluster_title(cluster: Cluster) -> str:
    """The shared key's kind and, when the reader holds a case containing it, its value."""
    label = scheme_label(cluster.headline_scheme) if cluster.headline_scheme else _("No shared key")
    if cluster.headline_value is not None:
        return f"{label}: {cluster.headline_value}"
    return label
