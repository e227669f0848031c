"""Clusters: connected components of cases over shared match keys (union-find).

Strong keys (phone, badge, account…) join cases; weak keys (names) only suggest, and join only once a
caseworker confirmed the link; a rejected link never joins. A cluster's id is the smallest case id in it, so
it stays put while the cluster grows. Cases linked to nothing have no membership row."""

from collections import Counter, defaultdict
from collections.abc import Iterable

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


def _reviews(version: int) -> tuple[set[tuple[int, int, bytes]], set[tuple[int, int, bytes]]]:
    confirmed: set[tuple[int, int, bytes]] = set()
    rejected: set[tuple[int, int, bytes]] = set()
    for low, high, index, decision in LinkReview.objects.filter(key_version=version).values_list(
        "low_id", "high_id", "blind_index", "decision"
    ):
        (confirmed if decision == Decision.CONFIRMED else rejected).add((low, high, bytes(index)))
    return confirmed, rejected


def _join_group(
    found: UnionFind,
    index: bytes,
    cases: list[int],
    strong: bool,
    confirmed: set[tuple[int, int, bytes]],
    rejected: set[tuple[int, int, bytes]],
    touched: set[bytes],
) -> None:
    if strong and index not in touched:
        for case in cases[1:]:
            found.union(cases[0], case)
        return
    for i, first in enumerate(cases):
        for second in cases[i + 1 :]:
            low, high = _pair(first, second)
            decided = (low, high, index)
            if decided in rejected or (not strong and decided not in confirmed):
                continue
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
    clusters, rows changed). Only indexes shared by two or more cases leave the database."""
    version = current_linking_key().version
    confirmed, rejected = _reviews(version)
    touched = {index for _, _, index in rejected}
    table = IdentifierKey._meta.db_table
    found = UnionFind()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.blind_index, k.case_id, k.strength FROM {table} k "  # noqa: S608  # table name only
            f"WHERE k.key_version = %s AND k.blind_index IN ("
            f"SELECT blind_index FROM {table} WHERE key_version = %s "
            f"GROUP BY blind_index HAVING COUNT(DISTINCT case_id) > 1) "
            f"ORDER BY k.blind_index",
            [version, version],
        )
        group: bytes | None = None
        cases: list[int] = []
        strong = False
        while rows := cursor.fetchmany(_BATCH):
            for raw_index, case, strength in rows:
                index = bytes(raw_index)
                if index != group:
                    if group is not None:
                        _join_group(found, group, cases, strong, confirmed, rejected, touched)
                    group, cases, strong = index, [], strength == Strength.STRONG
                if case not in cases:
                    cases.append(case)
        if group is not None:
            _join_group(found, group, cases, strong, confirmed, rejected, touched)
    clustered = _clustered(found)
    changed = _write(clustered, scope=None)
    return {"clustered_cases": len(clustered), "clusters": len(set(clustered.values())), "changed": changed}


def _edges_from(cases: set[int], version: int) -> dict[bytes, tuple[bool, set[int]]]:
    """Every blind index the ``cases`` hold that some case shares, with its strength and all its cases."""
    mine: set[bytes] = set()
    case_list = list(cases)
    for start in range(0, len(case_list), _BATCH):
        mine.update(
            bytes(index)
            for index in IdentifierKey.objects.filter(
                case_id__in=case_list[start : start + _BATCH], key_version=version
            ).values_list("blind_index", flat=True)
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
    confirmed, rejected = _reviews(version)
    touched = {index for _, _, index in rejected}
    seeds = set(case_ids)
    old_clusters = set(ClusterMembership.objects.filter(case_id__in=seeds).values_list("cluster", flat=True))
    scope = seeds | set(
        ClusterMembership.objects.filter(cluster__in=old_clusters).values_list("case_id", flat=True)
    )
    found = UnionFind()
    frontier = set(scope)
    while frontier:
        edges = _edges_from(frontier, version)
        candidates: set[int] = set()
        for index, (strong, cases) in edges.items():
            _join_group(found, index, sorted(cases), strong, confirmed, rejected, touched)
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
    confirmed, rejected = _reviews(version)
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
                decided = (first, second, index)
                if decided in rejected or (strength != Strength.STRONG and decided not in confirmed):
                    continue
                edges.add((first, second, scheme, strength))
    return sorted(edges)
