import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from longarm.analytics.publication.disclosure import extended_values, protect
from longarm.analytics.tables import CountTable, ProtectedTable

from .audit import feasible_intervals, published_extended


def two_way(cells: list[list[int]]) -> CountTable:
    return CountTable(
        title="Tactic by community",
        unit="incidents",
        row_dimension="tactic",
        rows=tuple(f"r{i}" for i in range(len(cells))),
        column_dimension="community",
        columns=tuple(f"c{j}" for j in range(len(cells[0]))),
        cells=tuple(tuple(row) for row in cells),
    )


def one_way(counts: list[int]) -> CountTable:
    return CountTable(
        title="Incidents by tactic",
        unit="incidents",
        row_dimension="tactic",
        rows=tuple(f"r{i}" for i in range(len(counts))),
        column_dimension=None,
        columns=("total",),
        cells=tuple((count,) for count in counts),
    )


def assert_nothing_recoverable(table: CountTable, protected: ProtectedTable) -> None:
    truth = extended_values(table)
    published = published_extended(protected)
    for i, row in enumerate(published):
        for j, value in enumerate(row):
            if value is not None:
                assert value == truth[i][j], "published numbers are the true numbers"
                assert value == 0 or value >= protected.threshold, f"small value {value} published"
    for (i, j), (low, high) in feasible_intervals(protected).items():
        assert low <= truth[i][j] <= high
        assert high - low >= 1, f"suppressed entry {(i, j)}={truth[i][j]} recovered as [{low}, {high}]"


def test_a_table_of_large_counts_is_published_whole() -> None:
    table = two_way([[10, 7], [5, 20]])

    protected = protect(table, threshold=5)

    assert protected.cells == ((10, 7), (5, 20))
    assert protected.row_totals == (17, 25)
    assert protected.column_totals == (15, 27)
    assert protected.grand_total == 42


def test_one_small_cell_in_a_row_takes_a_complement_in_its_row_and_column() -> None:
    table = two_way([[3, 10, 12], [8, 9, 20], [15, 11, 30]])

    protected = protect(table, threshold=5)

    hidden = [(i, j) for i in range(3) for j in range(3) if protected.cells[i][j] is None]
    assert (0, 0) in hidden
    assert sum(1 for i, j in hidden if i == 0) >= 2
    assert sum(1 for i, j in hidden if j == 0) >= 2
    # The totals stay: the suppressed cells form a cycle inside the table.
    assert None not in protected.row_totals
    assert None not in protected.column_totals
    assert_nothing_recoverable(table, protected)


def test_the_smallest_complements_are_chosen() -> None:
    table = two_way([[3, 10, 40], [8, 50, 60], [30, 70, 90]])

    protected = protect(table, threshold=5)

    assert protected.cells == ((None, None, 40), (None, None, 60), (30, 70, 90))


def test_a_small_cell_in_a_two_by_two_table_hides_the_whole_inner_table() -> None:
    table = two_way([[2, 9], [7, 30]])

    protected = protect(table, threshold=5)

    assert protected.cells == ((None, None), (None, None))
    assert protected.row_totals == (11, 37)
    assert protected.column_totals == (9, 39)
    assert_nothing_recoverable(table, protected)


def test_zeros_are_published_and_small_totals_suppressed() -> None:
    table = two_way([[0, 0, 0], [1, 2, 0], [10, 12, 9]])

    protected = protect(table, threshold=5)

    assert protected.cells[0] == (0, 0, 0)
    assert protected.row_totals[0] == 0
    assert protected.cells[1][0] is None
    assert protected.cells[1][1] is None
    assert protected.row_totals[1] is None
    assert_nothing_recoverable(table, protected)


def test_a_one_way_table_hides_a_second_row_so_the_total_does_not_reveal_the_first() -> None:
    table = one_way([2, 40, 9, 17])

    protected = protect(table, threshold=5)

    assert protected.cells[0] == (None,)
    assert protected.cells[2] == (None,)
    assert protected.cells[1] == (40,)
    assert protected.grand_total == 68
    assert_nothing_recoverable(table, protected)


def test_a_one_way_table_with_a_small_total_publishes_nothing_but_zeros() -> None:
    table = one_way([1, 0, 2])

    protected = protect(table, threshold=5)

    assert protected.cells == ((None,), (0,), (None,))
    assert protected.grand_total is None
    assert_nothing_recoverable(table, protected)


def test_a_bridge_between_two_suppression_cycles_is_closed() -> None:
    # Two 2-by-2 blocks of small cells joined by one small cell: each line has two suppressions, yet the
    # joining cell would be exactly determined by the totals unless one more cell is hidden.
    table = two_way(
        [
            [1, 1, 1, 50, 60],
            [1, 1, 70, 80, 90],
            [70, 80, 1, 1, 99],
            [60, 50, 1, 1, 98],
        ]
    )

    protected = protect(table, threshold=2)

    assert_nothing_recoverable(table, protected)


def test_the_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        protect(one_way([3]), threshold=0)


def test_an_audit_recovers_a_cell_from_a_naively_suppressed_table() -> None:
    # The audit itself must be able to catch a leak: hide only the small cell and it is recovered.
    naive = ProtectedTable(
        source_title="",
        unit="incidents",
        row_dimension="tactic",
        rows=("a", "b"),
        column_dimension="community",
        columns=("x", "y"),
        cells=((None, 9), (7, 30)),
        row_totals=(11, 37),
        column_totals=(9, 39),
        grand_total=48,
        threshold=5,
    )

    assert feasible_intervals(naive) == {(0, 0): (2, 2)}


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def count_tables(draw: st.DrawFn) -> CountTable:
    height = draw(st.integers(1, 5))
    if draw(st.booleans()):
        return one_way([draw(small_counts) for _ in range(height)])
    width = draw(st.integers(2, 5))
    return two_way([[draw(small_counts) for _ in range(width)] for _ in range(height)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=count_tables(), threshold=st.integers(2, 8))
def test_no_suppressed_value_of_a_random_table_can_be_recovered(table: CountTable, threshold: int) -> None:
    protected = protect(table, threshold=threshold)

    assert_nothing_recoverable(table, protected)


@settings(max_examples=60, deadline=None)
@given(table=count_tables())
def test_primary_suppressions_are_wide_enough(table: CountTable) -> None:
    protected = protect(table, threshold=5)
    truth = extended_values(table)

    for (i, j), (low, high) in feasible_intervals(protected).items():
        if 0 < truth[i][j] < 5:
            # The intruder cannot tell a small value from zero or from the threshold on both sides at once.
            assert low < truth[i][j] or high > truth[i][j]
            assert high == math.inf or high - low >= 1
