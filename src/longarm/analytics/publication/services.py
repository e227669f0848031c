"""Writes of the publication app: proposing, deciding and withdrawing releases, and spending privacy budget.

An analyst proposes; an administrator approves or rejects. A release's content is computed and frozen when
it is proposed, so what the administrator reviews is exactly what is published.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from longarm.accounts.models import Role, StaffUser
from longarm.analytics.dimensions import UNKNOWN, dimension, period_code
from longarm.analytics.publication.disclosure import protect
from longarm.analytics.publication.exceptions import (
    BudgetExhausted,
    EmptyRelease,
    NotAllowed,
    NotPending,
    OpenEndedPeriod,
)
from longarm.analytics.publication.formats import table_content
from longarm.analytics.publication.models import (
    DatasetScope,
    NoiseMechanism,
    PrivacyBudget,
    PrivacySpend,
    Release,
    ReleaseKind,
    ReleaseStatus,
)
from longarm.analytics.publication.opendata import FIELDS, SCHEMA, anonymised_records, stored_facts
from longarm.analytics.publication.privacy import NoisePreview, noise_preview, noisy_counts
from longarm.analytics.queries import AnalyticsFilters, crosstab
from longarm.analytics.tables import CountTable
from longarm.audit.models import ActorKind
from longarm.audit.services import audit_append

# Floating-point sums of epsilons drift; a spend this close to the budget still fits.
_TOLERANCE = 1e-9


def _audit(actor: StaffUser, action: str, release: Release) -> None:
    audit_append(
        actor=actor,
        actor_kind=ActorKind.STAFF,
        action=action,
        object_type="release",
        object_id=str(release.public_id),
    )


def _require(actor: StaffUser, role: Role) -> None:
    if actor.role != role:
        raise NotAllowed


def contributions_bound(rows: str, columns: str | None) -> int:
    """How many cells one unit can count in at most: 1 per single-valued axis, every code of a multi-valued
    one. A bound from the vocabularies, never from the data, so the noise scale reveals nothing."""
    bound = 1
    for name in (rows, columns):
        if name is not None and dimension(name).multi:
            bound *= max(1, len(dimension(name).codes()))
    return bound


def privacy_budget(scope: str) -> PrivacyBudget:
    budget, _ = PrivacyBudget.objects.get_or_create(
        scope=scope,
        defaults={
            "epsilon_total": settings.LONGARM_DP_EPSILON_BUDGET,
            "delta_total": settings.LONGARM_DP_DELTA_BUDGET,
        },
    )
    return budget


def _check_budget(budget: PrivacyBudget, *, epsilon: float, delta: float) -> None:
    """Raise ``BudgetExhausted`` (with what is left) unless ``budget`` can pay for ``epsilon`` and ``delta``.
    The configured budget applies as it stands now (set on ``budget``, not saved); lowering it below what is
    spent stops releases."""
    budget.epsilon_total = max(settings.LONGARM_DP_EPSILON_BUDGET, budget.epsilon_spent)
    budget.delta_total = max(settings.LONGARM_DP_DELTA_BUDGET, budget.delta_spent)
    if budget.epsilon_spent + epsilon > budget.epsilon_total + _TOLERANCE or (
        budget.delta_spent + delta > budget.delta_total + _TOLERANCE
    ):
        raise BudgetExhausted(
            epsilon_left=remaining_epsilon(budget),
            delta_left=max(0.0, budget.delta_total - budget.delta_spent),
        )


@transaction.atomic
def release_propose_counts(
    *,
    actor: StaffUser,
    table: CountTable,
    filters: dict[str, str],
    mechanism: str = NoiseMechanism.NONE,
    epsilon: float | None = None,
    delta: float | None = None,
    contributions: int = 1,
    scope: str = DatasetScope.INCIDENTS,
) -> Release:
    """Propose ``table`` for publication: noise it (if asked), protect it, freeze the result.

    Returns the proposed release. Raises ``NotAllowed`` unless ``actor`` is an analyst, ``EmptyRelease`` for
    a table without cells, ``BudgetExhausted`` when the noise would overspend the scope's privacy budget
    (the budget row is locked until this transaction ends, so concurrent proposals cannot both pass), and
    ``ValueError`` for bad noise parameters. The privacy spend is charged on proposal, not on approval:
    whoever proposes sees the noisy numbers, and re-drawing noise until it looks right must cost budget.
    """
    _require(actor, Role.ANALYST)
    if not table.rows or not table.columns:
        raise EmptyRelease
    threshold = settings.LONGARM_DISCLOSURE_THRESHOLD
    noise_epsilon: float | None = None
    noise_delta: float | None = None
    budget: PrivacyBudget | None = None
    if mechanism != NoiseMechanism.NONE:
        if epsilon is None:
            raise ValueError("Noise needs an epsilon.")
        gaussian_delta = 0.0
        if mechanism == NoiseMechanism.GAUSSIAN:
            if delta is None:
                raise ValueError("Gaussian noise needs a delta.")
            gaussian_delta = delta
        budget = PrivacyBudget.objects.select_for_update(no_key=True).get(pk=privacy_budget(scope).pk)
        # The planned spend is checked before any noise is drawn; the map's exact figure is charged.
        _check_budget(budget, epsilon=epsilon, delta=gaussian_delta)
        noisy = noisy_counts(
            table, mechanism=mechanism, epsilon=epsilon, delta=gaussian_delta, contributions=contributions
        )
        table, noise_epsilon, noise_delta = noisy.table, noisy.epsilon, noisy.delta
    protected = protect(table, threshold=threshold)
    release = Release.objects.create(
        kind=ReleaseKind.TABLE,
        scope=scope,
        row_dimension=table.row_dimension,
        column_dimension=table.column_dimension or "",
        filters=filters,
        threshold=threshold,
        mechanism=mechanism,
        epsilon=noise_epsilon,
        delta=noise_delta,
        content=table_content(
            protected, filters=filters, mechanism=mechanism, epsilon=noise_epsilon, delta=noise_delta
        ),
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    if budget is not None and noise_epsilon is not None and noise_delta is not None:
        PrivacySpend.objects.create(
            budget=budget,
            release=release,
            mechanism=mechanism,
            epsilon=noise_epsilon,
            delta=noise_delta,
            created_at=release.proposed_at,
        )
        budget.epsilon_spent = min(budget.epsilon_total, budget.epsilon_spent + noise_epsilon)
        budget.delta_spent = min(budget.delta_total, budget.delta_spent + noise_delta)
        budget.save(update_fields=["epsilon_total", "delta_total", "epsilon_spent", "delta_spent"])
    _audit(actor, "release.propose", release)
    return release


def _fixed_axis(name: str, filters: AnalyticsFilters) -> tuple[str, ...]:
    """Every code the axis can have, whatever the data: the vocabulary's, or the months or years between
    the filters' start and end."""
    if name in ("month", "year"):
        if filters.start is None or filters.end is None:
            raise OpenEndedPeriod
        if name == "year":
            return tuple(f"{year:04d}" for year in range(filters.start.year, filters.end.year + 1))
        months = []
        year, month = filters.start.year, filters.start.month
        while (year, month) <= (filters.end.year, filters.end.month):
            months.append(period_code(year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(months)
    codes = dimension(name).codes()
    # Facts without a value of a single-valued dimension are counted as unknown; multi-valued ones are not.
    # A vocabulary's own "unknown" term ("I don't know") is that same code: it is kept once, last.
    if UNKNOWN in codes or (not dimension(name).multi and name != "relatives_targeted"):
        codes = (*(code for code in codes if code != UNKNOWN), UNKNOWN)
    return codes


def on_fixed_axes(table: CountTable, *, filters: AnalyticsFilters) -> CountTable:
    """The table over every possible row and column code, zeros included.

    Differential privacy protects the counts, not which codes appear: a table listing only the codes with a
    count would tell, noise or not, that someone reported a rare tactic. Codes outside the vocabularies
    are dropped for the same reason.
    """
    rows = _fixed_axis(table.row_dimension, filters)
    columns = _fixed_axis(table.column_dimension, filters) if table.column_dimension else table.columns
    counts = {
        (row, column): count
        for row, cells in zip(table.rows, table.cells, strict=True)
        for column, count in zip(table.columns, cells, strict=True)
    }
    return CountTable(
        title=table.title,
        unit=table.unit,
        row_dimension=table.row_dimension,
        rows=rows,
        column_dimension=table.column_dimension,
        columns=columns,
        cells=tuple(tuple(counts.get((row, column), 0) for column in columns) for row in rows),
    )


def release_noise_preview(
    *,
    rows: str,
    columns: str | None,
    mechanism: str,
    epsilon: float,
    delta: float | None,
    scope: str = DatasetScope.INCIDENTS,
) -> NoisePreview:
    """The noise a table of ``rows`` by ``columns`` would get, before any budget is spent: the same
    scale ``release_propose_table`` would use. Reads no data. Raises ``BudgetExhausted`` (with what is left)
    when the scope's budget cannot pay for it, and ``ValueError`` for bad parameters."""
    gaussian_delta = (delta or 0.0) if mechanism == NoiseMechanism.GAUSSIAN else 0.0
    _check_budget(privacy_budget(scope), epsilon=epsilon, delta=gaussian_delta)
    return noise_preview(
        mechanism=mechanism,
        epsilon=epsilon,
        delta=gaussian_delta,
        contributions=contributions_bound(rows, columns),
    )


def release_propose_table(
    *,
    actor: StaffUser,
    rows: str,
    columns: str | None,
    filters: AnalyticsFilters,
    mechanism: str = NoiseMechanism.NONE,
    epsilon: float | None = None,
    delta: float | None = None,
) -> Release:
    """Count ``rows`` by ``columns`` over the coded facts and propose the table (see
    ``release_propose_counts`` for what it returns and raises). A noisy table lists every possible code;
    by month or year it raises ``OpenEndedPeriod`` without both a start and an end month."""
    table = crosstab(rows=rows, columns=columns, filters=filters)
    if mechanism != NoiseMechanism.NONE:
        table = on_fixed_axes(table, filters=filters)
    return release_propose_counts(
        actor=actor,
        table=table,
        filters=filters.as_query(),
        mechanism=mechanism,
        epsilon=epsilon,
        delta=delta,
        contributions=contributions_bound(rows, columns),
    )


@transaction.atomic
def release_propose_open_data(*, actor: StaffUser) -> Release:
    """Propose the coded incident records, anonymised (``opendata``). Raises ``NotAllowed`` unless ``actor``
    is an analyst and ``EmptyRelease`` when no record survives the small-cell rules."""
    _require(actor, Role.ANALYST)
    threshold = settings.LONGARM_DISCLOSURE_THRESHOLD
    data = anonymised_records(stored_facts(), threshold=threshold)
    if not data.records:
        raise EmptyRelease
    release = Release.objects.create(
        kind=ReleaseKind.OPEN_DATA,
        threshold=threshold,
        content={
            "schema": SCHEMA,
            "threshold": threshold,
            "fields": list(FIELDS),
            "records": data.records,
        },
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    _audit(actor, "release.propose", release)
    return release


@transaction.atomic
def release_decide(*, actor: StaffUser, release_id: int, approve: bool, reason: str = "") -> Release:
    """Approve or reject a proposed release, recording the administrator's ``reason``. Returns it; raises
    ``NotAllowed`` unless ``actor`` is an administrator and ``NotPending`` if it was already decided."""
    _require(actor, Role.ADMIN)
    release = Release.objects.select_for_update(no_key=True).get(pk=release_id)
    if release.status != ReleaseStatus.PROPOSED:
        raise NotPending
    release.status = ReleaseStatus.APPROVED if approve else ReleaseStatus.REJECTED
    release.decided_by = actor
    release.decided_at = timezone.now()
    release.decision_reason = reason.strip()
    release.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _audit(actor, "release.approve" if approve else "release.reject", release)
    return release


@transaction.atomic
def release_withdraw(*, actor: StaffUser, release_id: int, reason: str = "") -> Release:
    """Take an approved release's figures off the public page, which then lists it as withdrawn on this
    date; ``reason`` is kept for staff. Raises ``NotAllowed`` unless ``actor`` is an administrator and
    ``NotPending`` unless the release is approved. Its privacy spend stays spent."""
    _require(actor, Role.ADMIN)
    release = Release.objects.select_for_update(no_key=True).get(pk=release_id)
    if release.status != ReleaseStatus.APPROVED:
        raise NotPending
    release.status = ReleaseStatus.WITHDRAWN
    release.withdrawn_by = actor
    release.withdrawn_at = timezone.now()
    release.withdrawal_reason = reason.strip()
    release.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
    _audit(actor, "release.withdraw", release)
    return release


@transaction.atomic
def release_download_record(*, actor: StaffUser, release: Release, file_format: str) -> None:
    """Audit a staff member's download of a release's file."""
    _audit(actor, f"release.download:{file_format}", release)


def remaining_epsilon(budget: PrivacyBudget) -> float:
    return max(0.0, budget.epsilon_total - budget.epsilon_spent)
