"""Clusters: connected components of cases over shared match keys (union-find).

Strong keys (phone, badge, account…) join cases; weak keys (names) only suggest, and join only once a
caseworker confirmed the link; a rejected link never joins. A cluster's id is the smallest case id in it, so
it stays put while the cluster grows. Cases linked to nothing have no membership row."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from longarm.linking.index import current_linking_key
from longarm.linking.models import ClusterMembership, Decision, IdentifierKey, LinkReview, Strength

_BATCH = 5000


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        parent = self.parent.setdefault(item, item)
        root = item
        while parent != root:
            root, parent = parent, self.parent[parent]
        while item != root:
            item, self.parent[item] = self.parent[item], root
        return root

    def union(self, first: int, second: int) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            # The smaller root wins, so a component's root is its smallest member.
            self.parent[max(a, b)] = min(a, b)

    def components(self) -> dict[int, int]:
        """Every item with the smallest member of its component."""
        return {item: self.find(item) for item in list(self.parent)}


def _pair(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)


@dataclass(frozen=True)
class _Reviews:
    # Confirmed pairs (low, high) per blind index: the only weak links that join.
    confirmed: dict[bytes, list[tuple[int, int]]]
    rejected: set[tuple[int, int, bytes]]

    @property
    def rejected_indexes(self) -> set[bytes]:
        return {index for _, _, index in self.rejected}


def _reviews(version: int) -> _Reviews:
    confirmed: dict[bytes, list[tuple[int, int]]] = defaultdict(list)
    rejected: set[tuple[int, int, bytes]] = set()
    for low, high, index, decision in LinkReview.objects.filter(key_version=version).values_list(
        "low_id", "high_id", "blind_index", "decision"
    ):
        if decision == Decision.CONFIRMED:
            confirmed[bytes(index)].append((low, high))
        else:
            rejected.add((low, high, bytes(index)))
    return _Reviews(confirmed=dict(confirmed), rejected=rejected)


def _join_group(
    found: UnionFind, index: bytes, cases: list[int], strong: bool, reviews: _Reviews, touched: set[bytes]
) -> None:
    if not strong:
        # A common name can be shared by thousands of cases: only its confirmed pairs are looked at.
        members = set(cases)
        for low, high in reviews.confirmed.get(index, ()):
            if low in members and high in members and (low, high, index) not in reviews.rejected:
                found.union(low, high)
        return
    if index not in touched:
        for case in cases[1:]:
            found.union(cases[0], case)
        return
    for i, first in enumerate(cases):
        for second in cases[i + 1 :]:
            low, high = _pair(first, second)
            if (low, high, index) not in reviews.rejected:
                found.union(first, second)


def _clustered(found: UnionFind) -> dict[int, int]:
    """Cases in a component of two or more, with its root."""
    components = found.components()
    sizes = Counter(components.values())
    return {case: root for case, root in components.items() if sizes[root] > 1}


def _write(clustered: dict[int, int], scope: set[int] | None) -> int:
    """Store ``clustered`` (case → cluster); ``scope`` limits which stored rows may change (None: all).
    Returns how many cases changed cluster."""
    stored = ClusterMembership.objects.all()
    if scope is not None:
        stored = stored.filter(case_id__in=scope)
    current = dict(stored.values_list("case_id", "cluster"))
    gone = [case for case, cluster in current.items() if clustered.get(case) != cluster]
    new = [
        ClusterMembership(case_id=case, cluster=root)
        for case, root in clustered.items()
        if current.get(case) != root
    ]
    for start in range(0, len(gone), _BATCH):
        ClusterMembership.objects.filter(case_id__in=gone[start : start + _BATCH]).delete()
    ClusterMembership.objects.bulk_create(new, batch_size=_BATCH)
    return len(set(gone) | {row.case_id for row in new})


@transaction.atomic
def recluster_all() -> dict[str, int]:
    """Recompute every cluster from the stored keys and reviews; returns counts (cases clustered,
    clusters, rows changed). Only the keys that can join (strong, or weak with a confirmed link) and are
    shared by two or more cases leave the database, ordered so that each key's cases arrive together."""
    version = current_linking_key().version
    reviews = _reviews(version)
    touched = reviews.rejected_indexes
    table = IdentifierKey._meta.db_table
    review_table = LinkReview._meta.db_table
    joinable = (
        "(k.strength = 'strong' OR k.blind_index IN (SELECT r.blind_index FROM "  # noqa: S608  # names only
        f"{review_table} r WHERE r.decision = 'confirmed' AND r.key_version = %s))"
    )
    found = UnionFind()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.blind_index, k.case_id, k.strength FROM {table} k "  # noqa: S608  # names only
            f"WHERE k.key_version = %s AND {joinable} AND k.blind_index IN ("
            f"SELECT k.blind_index FROM {table} k WHERE k.key_version = %s AND {joinable} "
            f"GROUP BY k.blind_index HAVING COUNT(DISTINCT k.case_id) > 1) "
            f"ORDER BY k.blind_index",
            [version, version, version, version],
        )
        group: bytes | None = None
        cases: list[int] = []
        seen: set[int] = set()
        strong = False
        while rows := cursor.fetchmany(_BATCH):
            for raw_index, case, strength in rows:
                index = bytes(raw_index)
                if index != group:
                    if group is not None:
                        _join_group(found, group, cases, strong, reviews, touched)
                    group, cases, seen, strong = index, [], set(), strength == Strength.STRONG
                if case not in seen:
                    seen.add(case)
                    cases.append(case)
        if group is not None:
            _join_group(found, group, cases, strong, reviews, touched)
    clustered = _clustered(found)
    changed = _write(clustered, scope=None)
    return {"clustered_cases": len(clustered), "clusters": len(set(clustered.values())), "changed": changed}


def _edges_from(cases: set[int], version: int, reviews: _Reviews) -> dict[bytes, tuple[bool, set[int]]]:
    """Every key the ``cases`` hold that can join (strong, or weak with a confirmed link) and some other
    case shares, with its strength and all its cases."""
    mine: set[bytes] = set()
    case_list = list(cases)
    for start in range(0, len(case_list), _BATCH):
        mine.update(
            bytes(index)
            for index, strength in IdentifierKey.objects.filter(
                case_id__in=case_list[start : start + _BATCH], key_version=version
            ).values_list("blind_index", "strength")
            if strength == Strength.STRONG or bytes(index) in reviews.confirmed
        )
    groups: dict[bytes, tuple[bool, set[int]]] = {}
    indexes = list(mine)
    for start in range(0, len(indexes), _BATCH):
        rows = IdentifierKey.objects.filter(
            blind_index__in=indexes[start : start + _BATCH], key_version=version
        ).values_list("blind_index", "case_id", "strength")
        for index, case, strength in rows:
            entry = groups.setdefault(bytes(index), (strength == Strength.STRONG, set()))
            entry[1].add(case)
    return {index: entry for index, entry in groups.items() if len(entry[1]) > 1}


def clusters_update(case_ids: Iterable[int]) -> None:
    """Recompute the clusters of ``case_ids`` after a change to their keys or reviews: the old clusters'
    members and everything now reachable from them are relabelled (a join or a split)."""
    version = current_linking_key().version
    reviews = _reviews(version)
    touched = reviews.rejected_indexes
    seeds = set(case_ids)
    old_clusters = set(ClusterMembership.objects.filter(case_id__in=seeds).values_list("cluster", flat=True))
    scope = seeds | set(
        ClusterMembership.objects.filter(cluster__in=old_clusters).values_list("case_id", flat=True)
    )
    found = UnionFind()
    frontier = set(scope)
    while frontier:
        edges = _edges_from(frontier, version, reviews)
        candidates: set[int] = set()
        for index, (strong, cases) in edges.items():
            _join_group(found, index, sorted(cases), strong, reviews, touched)
            candidates |= cases - scope
        roots = {found.find(case) for case in scope}
        frontier = {case for case in candidates if found.find(case) in roots}
        scope |= frontier
    for case in scope:
        found.find(case)
    _write(_clustered(found), scope=scope)


def edges_of(case_ids: set[int]) -> list[tuple[int, int, str, str]]:
    """The links between ``case_ids`` that join them (strong or confirmed, not rejected): (case, case,
    scheme, strength), one per pair and scheme."""
    version = current_linking_key().version
    reviews = _reviews(version)
    rows = IdentifierKey.objects.filter(case_id__in=case_ids, key_version=version).values_list(
        "blind_index", "case_id", "scheme", "strength"
    )
    groups: dict[bytes, list[tuple[int, str, str]]] = defaultdict(list)
    for index, case, scheme, strength in rows:
        groups[bytes(index)].append((case, scheme, strength))
    edges: set[tuple[int, int, str, str]] = set()
    for index, members in groups.items():
        cases = sorted({case for case, _, _ in members})
        scheme, strength = members[0][1], members[0][2]
        for i, first in enumerate(cases):
            for second in cases[i + 1 :]:
                if (first, second, index) in reviews.rejected or (
                    strength != Strength.STRONG and (first, second) not in reviews.confirmed.get(index, [])
                ):
                    continue
                edges.add((first, second, scheme, strength))
    return sorted(edges)
