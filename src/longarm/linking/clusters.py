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
_READ_BATCH = 20000
# Rows a statement when writing memberships (two parameters each; SQLite allows 32766).
_WRITE_BATCH = 2000


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


def _join_strong(
    found: UnionFind, index: bytes, cases: list[int], reviews: _Reviews, touched: set[bytes]
) -> None:
    """Join ``cases``, which all hold ``index`` as a strong key, except the pairs rejected on it."""
    if index not in touched:
        for case in cases[1:]:
            found.union(cases[0], case)
        return
    for i, first in enumerate(cases):
        for second in cases[i + 1 :]:
            low, high = _pair(first, second)
            if (low, high, index) not in reviews.rejected:
                found.union(first, second)


def _join_confirmed(found: UnionFind, index: bytes, members: set[int], reviews: _Reviews) -> None:
    # A common name can be shared by thousands of cases: only its confirmed pairs are looked at.
    for low, high in reviews.confirmed.get(index, ()):
        if low in members and high in members and (low, high, index) not in reviews.rejected:
            found.union(low, high)


def _clustered(found: UnionFind) -> dict[int, int]:
    """Cases in a component of two or more, with its root."""
    components = found.components()
    sizes = Counter(components.values())
    return {case: root for case, root in components.items() if sizes[root] > 1}


def _write(clustered: dict[int, int], scope: set[int] | None) -> int:
    """Store ``clustered`` (case → cluster); ``scope`` limits which stored rows may change (None: all).
    Only the cases whose cluster changed are written, many rows a statement. Returns how many changed."""
    stored = ClusterMembership.objects.all()
    if scope is not None:
        stored = stored.filter(case_id__in=scope)
    current = dict(stored.values_list("case_id", "cluster"))
    stale = sorted(case for case, cluster in current.items() if clustered.get(case) != cluster)
    new = sorted((case, root) for case, root in clustered.items() if current.get(case) != root)
    table = connection.ops.quote_name(ClusterMembership._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(stale), _WRITE_BATCH):
            part = stale[start : start + _WRITE_BATCH]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM {table} WHERE case_id IN ({marks})", part)  # noqa: S608  # names only
        for start in range(0, len(new), _WRITE_BATCH):
            rows = new[start : start + _WRITE_BATCH]
            marks = ", ".join(["(%s, %s)"] * len(rows))
            cursor.execute(
                f"INSERT INTO {table} (case_id, cluster) VALUES {marks}",  # noqa: S608  # names only
                [value for row in rows for value in row],
            )
    return len(set(stale) | {case for case, _ in new})


def _confirmed_pairs(version: int) -> list[tuple[int, int]]:
    """Confirmed links whose two cases both still hold the key they were confirmed on."""
    keys = connection.ops.quote_name(IdentifierKey._meta.db_table)
    reviews = connection.ops.quote_name(LinkReview._meta.db_table)
    held = f"SELECT 1 FROM {keys} k WHERE k.blind_index = r.blind_index AND k.key_version = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.low_id, r.high_id FROM {reviews} r "  # noqa: S608  # names only
            f"WHERE r.decision = %s AND r.key_version = %s "
            f"AND EXISTS ({held} AND k.case_id = r.low_id) AND EXISTS ({held} AND k.case_id = r.high_id)",
            [Decision.CONFIRMED.value, version, version, version],
        )
        return [(int(low), int(high)) for low, high in cursor.fetchall()]


@transaction.atomic
def recluster_all() -> dict[str, int]:
    """Recompute every cluster from the stored keys and reviews; returns counts (cases clustered,
    clusters, rows changed).

    Two cases join through a key when both hold it as a strong key (a case holding the same index only as
    a weak key is a suggestion, whatever order the rows come in), or when a caseworker confirmed the link;
    a rejected link never joins. Only strong keys are streamed, in blind-index order from their own
    partial index (``linking_key_strong``), so the many weak name keys are never read; confirmed links come
    from the small review table."""
    version = current_linking_key().version
    reviews = _reviews(version)
    touched = reviews.rejected_indexes
    found = UnionFind()
    for low, high in _confirmed_pairs(version):
        found.union(low, high)
    table = connection.ops.quote_name(IdentifierKey._meta.db_table)
    # A server-side cursor on PostgreSQL: millions of rows arrive in chunks, never all at once.
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT blind_index, case_id FROM {table} "  # noqa: S608  # names only
            # The literal, not a parameter: SQLite uses a partial index only for a condition it can see.
            f"WHERE key_version = %s AND strength = 'strong' ORDER BY blind_index",
            [version],
        )
        # No blind index is empty, so the first row starts a group.
        group, cases = b"", list[int]()
        while rows := cursor.fetchmany(_READ_BATCH):
            for raw_index, case in rows:
                index = bytes(raw_index)
                if index != group:
                    if len(cases) > 1:
                        _join_strong(found, group, sorted(set(cases)), reviews, touched)
                    group, cases = index, [case]
                else:
                    cases.append(case)
        if len(cases) > 1:
            _join_strong(found, group, sorted(set(cases)), reviews, touched)
    clustered = _clustered(found)
    changed = _write(clustered, scope=None)
    return {"clustered_cases": len(clustered), "clusters": len(set(clustered.values())), "changed": changed}


@dataclass
class _Group:
    # Cases holding the index as a strong key, and every case holding it.
    strong: set[int]
    members: set[int]


def _groups(rows: Iterable[tuple[bytes | memoryview, int, str]]) -> dict[bytes, _Group]:
    groups: dict[bytes, _Group] = {}
    for raw_index, case, strength in rows:
        group = groups.setdefault(bytes(raw_index), _Group(strong=set(), members=set()))
        group.members.add(case)
        if strength == Strength.STRONG:
            group.strong.add(case)
    return groups


def _edges_from(cases: set[int], version: int, reviews: _Reviews) -> dict[bytes, _Group]:
    """Every key the ``cases`` hold that can join (strong, or weak with a confirmed link) and some other
    case shares, with the cases holding it."""
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
    groups: dict[bytes, _Group] = {}
    indexes = list(mine)
    for start in range(0, len(indexes), _BATCH):
        groups.update(
            _groups(
                IdentifierKey.objects.filter(
                    blind_index__in=indexes[start : start + _BATCH], key_version=version
                ).values_list("blind_index", "case_id", "strength")
            )
        )
    return {index: group for index, group in groups.items() if len(group.members) > 1}


def clusters_update(case_ids: Iterable[int]) -> None:
    """Recompute the clusters of ``case_ids`` after a change to their keys or reviews: the old clusters'
    members and everything now reachable from them are relabelled (a join or a split). Joins by the same
    rule as :func:`recluster_all`."""
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
        for index, group in edges.items():
            _join_strong(found, index, sorted(group.strong), reviews, touched)
            _join_confirmed(found, index, group.members, reviews)
            candidates |= group.members - scope
        roots = {found.find(case) for case in scope}
        frontier = {case for case in candidates if found.find(case) in roots}
        scope |= frontier
    for case in scope:
        found.find(case)
    _write(_clustered(found), scope=scope)


def edges_of(case_ids: set[int]) -> list[tuple[int, int, str, str]]:
    """The links between ``case_ids`` that join them (strong or confirmed, not rejected): (case, case,
    scheme, strength), one per pair and scheme. A link is strong when both cases hold the key as a strong
    key, as in :func:`recluster_all`."""
    version = current_linking_key().version
    reviews = _reviews(version)
    rows = IdentifierKey.objects.filter(case_id__in=case_ids, key_version=version).values_list(
        "blind_index", "case_id", "scheme", "strength"
    )
    # Per key and case: the smallest scheme, and whether any of the case's rows is strong.
    groups: dict[bytes, dict[int, tuple[str, bool]]] = defaultdict(dict)
    for raw_index, case, scheme, strength in rows:
        held = groups[bytes(raw_index)]
        old_scheme, old_strong = held.get(case, (scheme, False))
        held[case] = (min(old_scheme, scheme), old_strong or strength == Strength.STRONG)
    edges: set[tuple[int, int, str, str]] = set()
    for index, held in groups.items():
        cases = sorted(held)
        for i, first in enumerate(cases):
            for second in cases[i + 1 :]:
                strong = held[first][1] and held[second][1]
                if (first, second, index) in reviews.rejected or (
                    not strong and (first, second) not in reviews.confirmed.get(index, [])
                ):
                    continue
                scheme = min(held[first][0], held[second][0])
                edges.add((first, second, scheme, Strength.STRONG if strong else Strength.WEAK))
    return sorted(edges)
