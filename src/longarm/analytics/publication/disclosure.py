"""Statistical disclosure control for count tables: primary and complementary cell suppression.

Every table that leaves the analyst role passes through ``protect``.

Rules (documented in ``docs/open-data.md``):

- **Primary suppression**: every cell and every total with ``0 < count < threshold`` is suppressed.
- **Zeros are published.** A zero names nobody: it says no one in that cell reported, and suppressing zeros
  would force suppressing their complements too, hiding most of a sparse table. The residual risk is group
  disclosure ("every reporter from community X in region Y was threatened through relatives"); primary
  suppression of the small non-zero cells already hides such rows when they are small, and analysts must
  not release tables of a single community split so finely that a row is one family. Zeros are used as
  complementary cells only as a last resort, because a suppressed zero next to a suppressed small cell can
  pin that cell against the non-negativity bound.
- **Complementary suppression**: the table and its margins form an extended (R+1) by (C+1) table whose lines
  (every row including its total, every column including its total) are additive. A line with exactly one
  suppressed entry would give that entry away by subtraction, so each such line gets a second suppression,
  the smallest non-zero entry first (preferring one whose other line already has a suppression). That rule
  alone is not enough: in the bipartite graph whose nodes are the lines and whose edges are suppressed
  entries, an entry is exactly determined by the published numbers if and only if its edge is a bridge
  (two suppression cycles joined by one cell, for instance). Bridges are closed by suppressing one more
  entry that joins the two sides, and the whole process repeats until stable.

With every suppressed entry positive and on a cycle, each suppressed entry can move up and down along that
cycle while keeping every published number and non-negativity, so its feasible interval is never a single
value. The tests check this with a linear programme.
"""

from collections.abc import Iterable

from longarm.analytics.tables import CountTable, ProtectedTable

# An entry of the extended table: (row, column); row == R is the column-totals row, column == C the
# row-totals column, (R, C) the grand total.
type Entry = tuple[int, int]


def extended_values(table: CountTable) -> list[list[int]]:
    """The table with its row totals as a last column and column totals plus grand total as a last row."""
    columns = len(table.columns)
    values = [[*row, sum(row)] for row in table.cells]
    column_totals = [sum(row[j] for row in table.cells) for j in range(columns)]
    values.append([*column_totals, sum(column_totals)])
    return values


def protect(table: CountTable, *, threshold: int) -> ProtectedTable:
    """Suppress small cells and enough complements that no suppressed value can be recovered.

    Returns a ``ProtectedTable`` whose suppressed cells and totals are ``None``. Raises ``ValueError`` for a
    threshold below 1 or a negative count.
    """
    if threshold < 1:
        raise ValueError("The disclosure threshold must be at least 1.")
    if any(count < 0 for row in table.cells for count in row):
        raise ValueError("Counts cannot be negative.")
    if not table.rows or not table.columns:
        return _published(table, threshold=threshold, values=extended_values(table), suppressed=set())
    values = extended_values(table)
    suppressed = {
        (i, j) for i, row in enumerate(values) for j, count in enumerate(row) if 0 < count < threshold
    }
    _complete(values, suppressed)
    return _published(table, threshold=threshold, values=values, suppressed=suppressed)


def suppression_pattern(table: CountTable, *, threshold: int) -> set[Entry]:
    """The suppressed entries of the extended table, for audits and tests."""
    protected = protect(table, threshold=threshold)
    rows, columns = len(table.rows), len(table.columns)
    pattern = {(i, j) for i in range(rows) for j in range(columns) if protected.cells[i][j] is None}
    pattern |= {(i, columns) for i in range(rows) if protected.row_totals[i] is None}
    pattern |= {(rows, j) for j in range(columns) if protected.column_totals[j] is None}
    if protected.grand_total is None:
        pattern.add((rows, columns))
    return pattern


def _complete(values: list[list[int]], suppressed: set[Entry]) -> None:
    """Add complementary suppressions in place until no line has one and no suppressed entry is a bridge."""
    height, width = len(values), len(values[0])
    while True:
        changed = False
        for line in _lines(height, width):
            hidden = [entry for entry in line if entry in suppressed]
            if len(hidden) == 1:
                suppressed.add(_cheapest(values, suppressed, (e for e in line if e not in suppressed)))
                changed = True
        if changed:
            continue
        bridge = _find_bridge(height, width, suppressed)
        if bridge is None:
            return
        suppressed.add(_cheapest(values, suppressed, _bridge_closers(height, width, suppressed, bridge)))


def _lines(height: int, width: int) -> Iterable[list[Entry]]:
    for i in range(height):
        yield [(i, j) for j in range(width)]
    for j in range(width):
        yield [(i, j) for i in range(height)]


def _cheapest(values: list[list[int]], suppressed: set[Entry], candidates: Iterable[Entry]) -> Entry:
    def cost(entry: Entry) -> tuple[bool, int, bool, Entry]:
        i, j = entry
        count = values[i][j]
        # A candidate whose other line already hides something does not start a new cascade.
        row_busy = any((i, k) in suppressed for k in range(len(values[0])))
        column_busy = any((k, j) in suppressed for k in range(len(values)))
        return (count == 0, count, not (row_busy and column_busy), entry)

    return min(candidates, key=cost)


def _find_bridge(height: int, width: int, suppressed: set[Entry]) -> Entry | None:
    """A suppressed entry whose edge is a bridge of the row/column graph, or None (Tarjan, iterative)."""
    # Nodes: rows 0..height-1, columns height..height+width-1.
    adjacency: dict[int, list[tuple[int, Entry]]] = {}
    for i, j in suppressed:
        adjacency.setdefault(i, []).append((height + j, (i, j)))
        adjacency.setdefault(height + j, []).append((i, (i, j)))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    for root in sorted(adjacency):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[int, Entry | None, int]] = [(root, None, 0)]
        while stack:
            node, via, index = stack[-1]
            if index < len(adjacency[node]):
                stack[-1] = (node, via, index + 1)
                neighbour, edge = adjacency[node][index]
                if edge == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, edge, 0))
            else:
                stack.pop()
                if stack and via is not None:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        return via
    return None


def _bridge_closers(height: int, width: int, suppressed: set[Entry], bridge: Entry) -> list[Entry]:
    """Unsuppressed entries joining the two sides of ``bridge``, so that it lies on a cycle."""
    rest = suppressed - {bridge}
    near = _reachable(height, rest, bridge[0])
    far = _reachable(height, rest, height + bridge[1])
    return [
        (i, j)
        for i in range(height)
        for j in range(width)
        if (i, j) not in suppressed
        and ((i in near and height + j in far) or (i in far and height + j in near))
    ]


def _reachable(height: int, edges: set[Entry], start: int) -> set[int]:
    seen = {start}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for i, j in edges:
            for here, there in ((i, height + j), (height + j, i)):
                if here == node and there not in seen:
                    seen.add(there)
                    frontier.append(there)
    return seen


def _published(
    table: CountTable, *, threshold: int, values: list[list[int]], suppressed: set[Entry]
) -> ProtectedTable:
    rows, columns = len(table.rows), len(table.columns)

    def shown(i: int, j: int) -> int | None:
        return None if (i, j) in suppressed else values[i][j]

    return ProtectedTable(
        source_title=table.title,
        unit=table.unit,
        row_dimension=table.row_dimension,
        rows=table.rows,
        column_dimension=table.column_dimension,
        columns=table.columns,
        cells=tuple(tuple(shown(i, j) for j in range(columns)) for i in range(rows)),
        row_totals=tuple(shown(i, columns) for i in range(rows)),
        column_totals=tuple(shown(rows, j) for j in range(columns)),
        grand_total=shown(rows, columns),
        threshold=threshold,
    )
