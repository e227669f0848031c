import threading
import time
from typing import Any

import pytest
from django.db import connection, connections

from longarm.analytics.publication import privacy, services
from longarm.analytics.publication.exceptions import BudgetExhausted, EmptyRelease, NotAllowed, NotPending
from longarm.analytics.publication.models import (
    NoiseMechanism,
    PrivacyBudget,
    PrivacySpend,
    Release,
    ReleaseStatus,
)
from longarm.analytics.publication.services import (
    contributions_bound,
    privacy_budget,
    release_decide,
    release_propose_counts,
    release_withdraw,
)
from longarm.analytics.tables import CountTable
from longarm.audit.models import AuditEvent
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def tactic_table(cells: tuple[tuple[int, ...], ...] = ((2, 9), (7, 30))) -> CountTable:
    return CountTable(
        title="tactic by community",
        unit="incidents",
        row_dimension="tactic",
        rows=tuple(["threat_direct", "proxy_coercion_family"][: len(cells)]),
        column_dimension="community",
        columns=("uyghur", "tibetan")[: len(cells[0])],
        cells=cells,
    )


def test_a_proposed_table_stores_only_the_protected_numbers(cast: Cast) -> None:
    release = release_propose_counts(
        actor=cast.analyst, table=tactic_table(), filters={"community": "uyghur"}
    )

    assert release.status == ReleaseStatus.PROPOSED
    assert release.content["cells"] == [[None, None], [None, None]]
    assert release.content["row_totals"] == [11, 37]
    assert release.content["grand_total"] == 48
    assert release.content["filters"] == {"community": "uyghur"}
    assert release.threshold == 5
    assert AuditEvent.objects.filter(action="release.propose", object_id=str(release.public_id)).exists()


def test_the_threshold_comes_from_the_setting(cast: Cast, settings: Any) -> None:
    settings.LONGARM_DISCLOSURE_THRESHOLD = 2

    release = release_propose_counts(actor=cast.analyst, table=tactic_table(), filters={})

    assert release.content["cells"] == [[2, 9], [7, 30]]
    assert release.threshold == 2


def test_only_analysts_propose_and_only_admins_decide(cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        release_propose_counts(actor=cast.admin, table=tactic_table(), filters={})
    release = release_propose_counts(actor=cast.analyst, table=tactic_table(), filters={})
    with pytest.raises(NotAllowed):
        release_decide(actor=cast.analyst, release_id=release.pk, approve=True)


def test_an_empty_table_is_not_proposed(cast: Cast) -> None:
    empty = CountTable("t", "incidents", "tactic", (), None, ("total",), ())
    with pytest.raises(EmptyRelease):
        release_propose_counts(actor=cast.analyst, table=empty, filters={})


def test_an_admin_approves_once_and_can_withdraw(cast: Cast) -> None:
    release = release_propose_counts(actor=cast.analyst, table=tactic_table(), filters={})

    approved = release_decide(actor=cast.admin, release_id=release.pk, approve=True)

    assert approved.status == ReleaseStatus.APPROVED
    assert approved.decided_by == cast.admin
    with pytest.raises(NotPending):
        release_decide(actor=cast.admin, release_id=release.pk, approve=False)
    assert release_withdraw(actor=cast.admin, release_id=release.pk).status == ReleaseStatus.WITHDRAWN
    actions = set(AuditEvent.objects.filter(object_type="release").values_list("action", flat=True))
    assert {"release.propose", "release.approve", "release.withdraw"} <= actions


def test_a_rejected_release_cannot_be_approved_later(cast: Cast) -> None:
    release = release_propose_counts(actor=cast.analyst, table=tactic_table(), filters={})
    release_decide(actor=cast.admin, release_id=release.pk, approve=False)

    with pytest.raises(NotPending):
        release_decide(actor=cast.admin, release_id=release.pk, approve=True)
    assert Release.objects.get().status == ReleaseStatus.REJECTED


def big_table() -> CountTable:
    return tactic_table(((400, 300), (200, 100)))


def test_laplace_noise_spends_its_epsilon_and_stays_near_the_counts(cast: Cast) -> None:
    release = release_propose_counts(
        actor=cast.analyst, table=big_table(), filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.5
    )

    assert release.epsilon == pytest.approx(0.5)
    cells = release.content["cells"]
    # Scale 2: a deviation of 60 has probability about e^-30.
    for noisy, true in zip([value for row in cells for value in row], [400, 300, 200, 100], strict=True):
        assert abs(noisy - true) < 60
    assert release.content["grand_total"] == sum(sum(row) for row in cells)
    budget = PrivacyBudget.objects.get()
    assert budget.epsilon_spent == pytest.approx(0.5)
    assert PrivacySpend.objects.get().release == release


def test_noise_changes_the_counts(cast: Cast) -> None:
    seen = set()
    for _ in range(8):
        release = release_propose_counts(
            actor=cast.analyst, table=big_table(), filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.1
        )
        seen.add(release.content["grand_total"])
    assert len(seen) > 1


def test_gaussian_noise_spends_epsilon_and_delta(cast: Cast) -> None:
    release = release_propose_counts(
        actor=cast.analyst,
        table=big_table(),
        filters={},
        mechanism=NoiseMechanism.GAUSSIAN,
        epsilon=0.5,
        delta=1e-7,
    )

    spend = PrivacySpend.objects.get(release=release)
    assert spend.epsilon <= 0.5 + 1e-9
    assert spend.epsilon > 0.4
    assert spend.delta == pytest.approx(1e-7)


def test_the_ledger_refuses_a_release_once_the_budget_is_spent(cast: Cast, settings: Any) -> None:
    settings.LONGARM_DP_EPSILON_BUDGET = 1.0
    for _ in range(2):
        release_propose_counts(
            actor=cast.analyst, table=big_table(), filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.5
        )

    with pytest.raises(BudgetExhausted):
        release_propose_counts(
            actor=cast.analyst, table=big_table(), filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.01
        )
    assert Release.objects.count() == 2
    assert PrivacyBudget.objects.get().epsilon_spent == pytest.approx(1.0)
    # Releases without noise spend nothing and are still possible.
    release_propose_counts(actor=cast.analyst, table=big_table(), filters={})


def test_a_multi_valued_axis_raises_the_contribution_bound() -> None:
    assert contributions_bound("community", None) == 1
    assert contributions_bound("community", "host_country") == 1
    assert contributions_bound("tactic", "community") > 5


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_releases_cannot_overspend(
    cast: Cast, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are PostgreSQL's; SQLite serialises every writer")
    settings.LONGARM_DP_EPSILON_BUDGET = 1.0
    privacy_budget("incidents")
    # Slow noise keeps both proposals between reading the budget and writing it at the same time: without
    # the row lock both would read "nothing spent" and both pass.
    real_noise = privacy.noisy_counts

    def slow_noise(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        return real_noise(*args, **kwargs)

    monkeypatch.setattr(services, "noisy_counts", slow_noise)
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []

    def propose() -> None:
        try:
            barrier.wait()
            release_propose_counts(
                actor=cast.analyst,
                table=big_table(),
                filters={},
                mechanism=NoiseMechanism.LAPLACE,
                epsilon=0.7,
            )
            outcomes.append("released")
        except BudgetExhausted:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=propose) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["refused", "released"]
    assert PrivacyBudget.objects.get().epsilon_spent == pytest.approx(0.7)
    assert PrivacySpend.objects.count() == 1


def test_raising_the_configured_budget_allows_more_releases(cast: Cast, settings: Any) -> None:
    settings.LONGARM_DP_EPSILON_BUDGET = 0.5
    release_propose_counts(
        actor=cast.analyst, table=big_table(), filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.5
    )
    with pytest.raises(BudgetExhausted):
        release_propose_counts(
            actor=cast.analyst, table=big_table(), filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.5
        )

    settings.LONGARM_DP_EPSILON_BUDGET = 1.0
    release_propose_counts(
        actor=cast.analyst, table=big_table(), filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.5
    )

    assert PrivacyBudget.objects.get().epsilon_spent == pytest.approx(1.0)
