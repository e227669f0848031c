"""Reads of the linking app: the links of a case's identifiers (for its case page), pending access
requests, and what a cluster page shows. A case the reader does not hold appears only as a count (DESIGN §5,
threat model §5.3): never its reference, content, identifiers or coded fields (status, urgency, community,
country, year, tactics), and not even as a count when all that links it is an unconfirmed weak match."""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
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
from longarm.linking.scoring import WeakScore, weak_scores
from longarm.taxonomy.vocabularies import analytic_tactics_for

# Past this many cases a cluster page draws no picture (the table and export still list every case the
# reader holds).
MAX_DRAWN_CASES = 60


@dataclass(frozen=True)
class LinkedCase:
    case: Case
    scheme: str
    strength: str
    # None until a caseworker confirmed or rejected the link.
    decision: str | None
    # How much a weak link is worth (see linking.scoring); None for a strong link.
    score: WeakScore | None = None


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


@dataclass(frozen=True)
class _Link:
    """One key an identifier of the case shares with another case."""

    identifier_id: int
    scheme: str
    # The strength of the identifier's own key.
    strength: str
    other: int
    decision: str | None
    # Whether the link joins the two cases, as in clusters: strong in both cases, or confirmed.
    joins: bool


def _links(*, case: Case, identifier: Identifier | None = None) -> list[_Link]:
    """The keys of ``case`` (of ``identifier`` alone, when given) that other cases share, one entry per
    identifier, other case and key, rejected links left out."""
    version = current_linking_key().version
    keys = IdentifierKey.objects.filter(case=case, key_version=version)
    if identifier is not None:
        keys = keys.filter(identifier=identifier)
    by_index: dict[bytes, list[tuple[int, str, str]]] = defaultdict(list)
    for identifier_id, index, scheme, strength in keys.values_list(
        "identifier_id", "blind_index", "scheme", "strength"
    ):
        by_index[bytes(index)].append((identifier_id, scheme, strength))
    if not by_index:
        return []
    # Per shared key and other case: whether that case holds the key strongly (any of its rows).
    strong_there: dict[tuple[bytes, int], bool] = {}
    for raw_index, other_id, strength in (
        IdentifierKey.objects.filter(blind_index__in=list(by_index), key_version=version)
        .exclude(case=case)
        .values_list("blind_index", "case_id", "strength")
    ):
        pair = (bytes(raw_index), other_id)
        strong_there[pair] = strong_there.get(pair, False) or strength == Strength.STRONG
    if not strong_there:
        return []
    involved = {other_id for _, other_id in strong_there} | {case.pk}
    decisions = {
        (review.low_id, review.high_id, bytes(review.blind_index)): review.decision
        for review in LinkReview.objects.filter(
            key_version=version, low_id__in=involved, high_id__in=involved
        ).filter(models.Q(low_id=case.pk) | models.Q(high_id=case.pk))
    }
    links = []
    for (index, other_id), other_strong in strong_there.items():
        decision = decisions.get((min(case.pk, other_id), max(case.pk, other_id), index))
        if decision == Decision.REJECTED:
            continue
        for identifier_id, scheme, strength in by_index[index]:
            joins = decision == Decision.CONFIRMED or (strength == Strength.STRONG and other_strong)
            links.append(_Link(identifier_id, scheme, strength, other_id, decision, joins))
    return links


def held_case_ids(*, user: StaffUser, case_ids: set[int]) -> set[int]:
    """Those of ``case_ids`` whose data key is sealed to ``user``."""
    return set(
        Case.objects.filter(pk__in=case_ids, keys__kind=CaseKeyKind.DATA, keys__staff=user).values_list(
            "pk", flat=True
        )
    )


def hidden_linked_cases(*, identifier: Identifier, user: StaffUser) -> set[int]:
    """Cases ``user`` does not hold that ``identifier`` is linked to and that may therefore be counted to
    them: linked strongly in both cases, or by a link a holder of both confirmed. A weak (name or
    organisation) match nobody confirmed is never counted to a reader who does not hold the other case."""
    others = {link.other for link in _links(case=identifier.case, identifier=identifier) if link.joins}
    return others - held_case_ids(user=user, case_ids=others)


def identifier_links(*, case: Case, user: StaffUser) -> dict[int, IdentifierLinks]:
    """For each identifier of ``case`` linked to another case: the cases ``user`` holds (with the scheme,
    strength and any decision, weak suggestions included) and the number of cases they do not hold, which
    counts only links that join (see :func:`hidden_linked_cases`). Rejected links are left out, and so is
    an identifier whose only links are unconfirmed weak matches to cases the reader does not hold."""
    links = _links(case=case)
    if not links:
        return {}
    held_ids = held_case_ids(user=user, case_ids={link.other for link in links})
    held = {item.pk: item for item in Case.objects.filter(pk__in=held_ids)}
    pending = set(
        AccessRequest.objects.filter(
            requester=user, status=RequestStatus.PENDING, because_of=case
        ).values_list("case_id", flat=True)
    )
    found: dict[int, IdentifierLinks] = {}
    hidden: dict[int, set[int]] = defaultdict(set)
    seen: dict[int, set[int]] = defaultdict(set)
    for link in links:
        if link.other not in held and not link.joins:
            continue
        entry = found.setdefault(link.identifier_id, IdentifierLinks())
        if link.strength == Strength.STRONG or not entry.strength:
            entry.strength = link.strength
        if link.scheme not in entry.schemes:
            entry.schemes.append(link.scheme)
        if link.other in held:
            if link.other not in seen[link.identifier_id]:
                seen[link.identifier_id].add(link.other)
                entry.held.append(LinkedCase(held[link.other], link.scheme, link.strength, link.decision))
        else:
            hidden[link.identifier_id].add(link.other)
    for identifier_id, cases in hidden.items():
        found[identifier_id].hidden_count = len(cases)
        found[identifier_id].request_pending = bool(cases & pending)
    _rank_weak_links(case=case, found=found)
    return found


def _rank_weak_links(*, case: Case, found: dict[int, IdentifierLinks]) -> None:
    """Score every weak suggestion to a held case and list the links strongest first, then by score: a
    rare shared name before a common one (see :mod:`longarm.linking.scoring`)."""
    weak_others = {
        linked.case.pk
        for entry in found.values()
        for linked in entry.held
        if linked.strength != Strength.STRONG
    }
    if not weak_others:
        return
    scores = weak_scores(case=case, others=weak_others, version=current_linking_key().version)
    for entry in found.values():
        entry.held = sorted(
            (
                linked
                if linked.strength == Strength.STRONG
                else LinkedCase(
                    linked.case, linked.scheme, linked.strength, linked.decision, scores.get(linked.case.pk)
                )
                for linked in entry.held
            ),
            key=lambda linked: (
                linked.strength != Strength.STRONG,
                -(linked.score.score if linked.score else 0.0),
            ),
        )


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
    """A case of the cluster that the reader holds, numbered among those alone."""

    number: int
    case: Case
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
    """What the reader may see of a cluster: the cases they hold, the links between those, totals over
    those, and how many other cases the cluster holds. Nothing is computed from a case they do not hold
    but that count."""

    cases: list[ClusterCase]
    edges: list[ClusterEdge]
    # Cases of the cluster the reader does not hold: a count, nothing more.
    hidden_count: int
    headline_scheme: str
    # The value of the headline key, read from the reader's own identifier (None when they hold no key).
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
        "case_link__case_id", "community", "host_country", "incident_year", "tactic_codes"
    ):
        entry = coded[report["case_link__case_id"]]
        entry.reports += 1
        entry.communities.add(report["community"])
        entry.host_countries.add(report["host_country"])
        # The year of the incident when the reporter gave one: the year a report arrived is not when it
        # happened, and an unknown year is left out, as an incident's is.
        if report["incident_year"]:
            entry.years.add(report["incident_year"])
        # In the incidents' vocabulary (tactics.toml), never mixed with the questionnaire's own codes.
        entry.tactics.update(analytic_tactics_for(report["tactic_codes"] or []))
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


def _headline(case_ids: list[int], held: list[int]) -> tuple[str, Identifier | None]:
    """Of the keys of the cases the reader holds, the one most cases of the cluster share (strong first),
    and an identifier holding it in one of those cases."""
    version = current_linking_key().version
    mine = IdentifierKey.objects.filter(case_id__in=held, key_version=version).values_list(
        "blind_index", "scheme", "strength", "identifier_id"
    )
    info: dict[bytes, tuple[str, str, int]] = {}
    for index, scheme, strength, identifier_id in mine:
        info.setdefault(bytes(index), (scheme, strength, identifier_id))
    if not info:
        return "", None
    cases: dict[bytes, set[int]] = defaultdict(set)
    for index, case_id in IdentifierKey.objects.filter(
        case_id__in=case_ids, key_version=version, blind_index__in=list(info)
    ).values_list("blind_index", "case_id"):
        cases[bytes(index)].add(case_id)
    best = max(info, key=lambda index: (info[index][1] == Strength.STRONG, len(cases[index])))
    scheme, _strength, identifier_id = info[best]
    return scheme, Identifier.objects.filter(pk=identifier_id).select_related("case").first()


def cluster_of(*, case: Case, user: StaffUser, keys_for: Callable[[Case], CaseKeys]) -> Cluster:
    """The cluster ``case`` (held by ``user``) belongs to, as far as ``user`` may see it: the cases they
    hold (coded fields, links between them) and the number of the others. ``keys_for`` opens the data key
    of a held case, used only to show the shared value; the caller audits the reading."""
    case_ids = _cluster_case_ids(case)
    held = sorted(held_case_ids(user=user, case_ids=set(case_ids)))
    cases = {item.pk: item for item in Case.objects.filter(pk__in=held)}
    coded = _coded(held)
    rows = [
        ClusterCase(
            number=number,
            case=cases[pk],
            reports=coded[pk].reports,
            communities=sorted(coded[pk].communities),
            host_countries=sorted(coded[pk].host_countries),
            years=sorted(coded[pk].years),
            tactics=sorted(coded[pk].tactics),
            status=cases[pk].status,
            urgency=cases[pk].urgency,
        )
        for number, pk in enumerate(held, start=1)
    ]
    numbers = {row.case.pk: row.number for row in rows}
    edges = [
        ClusterEdge(numbers[first], numbers[second], scheme, strength)
        for first, second, scheme, strength in edges_of(set(held))
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
        hidden_count=len(case_ids) - len(held),
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
