"""``benchmarks/intake.py`` pools its rounds: only what finished inside a window counts, every window's
seconds and CPU are added up, and each window's count is kept for ``ratio_by_round``."""

import pytest
from benchmarks.intake import CpuSnapshot, Cycle, Floor, LoadResult, Windows


def _window(start: float, done: list[tuple[float, str | None]], cpu: tuple[float, float]) -> LoadResult:
    """A window of 10 s from ``start``: cycles finished at the given times (with their error), and the
    server's and the whole machine's busy CPU seconds in it."""
    server, busy = cpu
    return LoadResult(
        window_start=start,
        deadline=start + 10,
        cycles=[Cycle(start, finished, 0.0, 0.0, error) for finished, error in done],
        cpu_at_start=CpuSnapshot(100.0, 0.0, 50.0, 1.0),
        cpu_at_deadline=CpuSnapshot(100.0 + busy, 0.0, 50.0 + server, 1.5),
    )


def test_the_windows_are_pooled_and_kept_one_by_one() -> None:
    windows = Windows(seconds=10)
    windows.add(_window(0, [(3, None), (9, None), (10.5, None), (8, "POST 500")], (15, 17)), warmup_errors=1)
    windows.add(_window(100, [(101, None), (104, None), (109, None), (111, None)], (16, 18)), warmup_errors=0)

    assert windows.per_window == [2, 3]
    assert len(windows.late) == 2
    assert [cycle.error for cycle in windows.failed] == ["POST 500"]
    assert windows.warmup_errors == 1
    assert windows.first_start == 0
    assert windows.submissions_per_s() == pytest.approx(5 / 20)
    # Two derivations a submission: a floor of 1 derivation/s is 0.5 submissions/s.
    floor = Floor(derivations_per_s=1.0, derivations=10, processes=2, mean_derivation_ms=2000.0)
    assert windows.ratios(floor) == [0.4, 0.6]
    assert [cycle.finished for cycle in windows.timed] == [3, 9, 101, 104, 109, 10.5, 111]
    breakdown = windows.cpu_breakdown(cpus=2)
    assert breakdown is not None
    assert breakdown["available"] == 40
    assert breakdown["server"] == 31
    assert breakdown["load_generator"] == 1
    assert breakdown["other_processes"] == pytest.approx(35 - 31 - 1)
    assert breakdown["idle"] == 5
    assert breakdown["server_ms_per_submission"] == pytest.approx(31 / 5 * 1000)


def test_a_window_without_cpu_readings_leaves_the_breakdown_out() -> None:
    windows = Windows(seconds=10)
    windows.add(_window(0, [(1, None)], (5, 6)), warmup_errors=0)
    missing = _window(20, [(21, None)], (5, 6))
    missing.cpu_at_start = None
    windows.add(missing, warmup_errors=0)
    assert windows.cpu_breakdown(cpus=2) is None
