import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from longarm.analytics.publication.models import (
    NoiseMechanism,
    PrivacyBudget,
    Release,
    ReleaseKind,
    ReleaseStatus,
)
from longarm.analytics.publication.presentation import release_title
from longarm.analytics.publication.privacy import gaussian_measurement, gaussian_scale, noise_preview
from longarm.analytics.publication.services import release_decide, release_propose_counts
from longarm.analytics.tables import CountTable
from longarm.audit.models import AuditEvent
from tests.analytics.helpers import facts
from tests.cases.helpers import console
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

TABLE = CountTable(
    title="community by host_country",
    unit="incidents",
    row_dimension="community",
    rows=("uyghur", "tibetan"),
    column_dimension="host_country",
    columns=("GB", "JP"),
    cells=((12, 7), (2, 9)),
)


def approved(cast: Cast, table: CountTable = TABLE) -> Release:
    release = release_propose_counts(actor=cast.analyst, table=table, filters={})
    return release_decide(actor=cast.admin, release_id=release.pk, approve=True)


def test_the_public_page_is_off_by_default(cast: Cast) -> None:
    release = approved(cast)

    assert Client().get(reverse("statistics:statistics")).status_code == 404
    assert Client().get(reverse("statistics:csv", args=[release.public_id])).status_code == 404


def test_the_public_page_shows_only_approved_releases_with_withheld_cells_marked(
    cast: Cast, settings: Any
) -> None:
    settings.LONGARM_PUBLIC_STATISTICS = True
    shown = approved(cast)
    pending = release_propose_counts(
        actor=cast.analyst, table=TABLE, filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.2
    )

    page = Client().get(reverse("statistics:statistics")).content.decode()

    assert str(shown.public_id) in page
    assert str(pending.public_id) not in page
    assert "Uyghur" in page
    assert "<caption>" in page
    assert 'class="chart" role="img"' in page
    assert 'class="num suppressed"' in page
    assert ">12<" not in page  # the Uyghur/GB cell is a complement of the small Tibetan/GB cell
    assert "<script" not in page.split("</head>")[1]
    assert Client().get(reverse("statistics:csv", args=[pending.public_id])).status_code == 404


def test_the_public_page_is_translated_and_right_to_left_in_uyghur(cast: Cast, settings: Any) -> None:
    settings.LONGARM_PUBLIC_STATISTICS = True
    approved(cast)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ug"

    page = client.get(reverse("statistics:statistics")).content.decode()

    assert 'dir="rtl"' in page
    assert 'lang="ug"' in page


def test_public_downloads_hold_the_protected_table(cast: Cast, settings: Any) -> None:
    settings.LONGARM_PUBLIC_STATISTICS = True
    release = approved(cast)

    text = Client().get(reverse("statistics:csv", args=[release.public_id])).content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    data = json.loads(Client().get(reverse("statistics:json", args=[release.public_id])).content)

    assert rows[0] == ["community", "GB", "JP", "total"]
    assert rows[1] == ["uyghur", "", "", "19"]
    assert rows[2] == ["tibetan", "", "", "11"]
    assert rows[3] == ["total", "14", "16", "30"]
    assert data["cells"] == [[None, None], [None, None]]
    assert data["schema"] == "longarm-table/1"


def test_an_analyst_proposes_a_table_and_an_admin_approves_it(cast: Cast) -> None:
    facts(12, year=2024, month=5, community="uyghur", host_country="GB")
    facts(9, year=2024, month=5, community="tibetan", host_country="JP")
    analyst = console(cast.analyst)

    response = analyst.post(
        reverse("publication:release_new"),
        {"rows": "community", "columns": "host_country", "mechanism": "none", "start": "2024-01"},
    )

    release = Release.objects.get()
    assert response["Location"] == reverse("publication:release", args=[release.public_id])
    assert release.filters == {"start": "2024-01"}
    assert release.content["grand_total"] == 21
    admin = console(cast.admin)
    page = admin.get(response["Location"]).content.decode()
    assert reverse("publication:release_decision", args=[release.public_id]) in page
    url = reverse("publication:release_decision", args=[release.public_id])
    unconfirmed = admin.post(url, {"decision": "approve", "reason": "Checked the small cells."})
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PROPOSED
    assert 'name="confirmed"' in unconfirmed.content.decode()
    admin.post(url, {"decision": "approve", "reason": "Checked the small cells.", "confirmed": "yes"})
    release.refresh_from_db()
    assert release.status == ReleaseStatus.APPROVED
    assert release.decided_by == cast.admin
    assert release.decision_reason == "Checked the small cells."


def test_a_bad_month_is_refused_with_a_message(cast: Cast) -> None:
    response = console(cast.analyst).post(
        reverse("publication:release_new"), {"rows": "community", "mechanism": "none", "start": "2024-13"}
    )

    assert response.status_code == 200
    assert "YYYY-MM" in response.content.decode()
    assert not Release.objects.exists()


def test_an_overspending_proposal_is_refused_on_the_form(cast: Cast, settings: Any) -> None:
    settings.LONGARM_DP_EPSILON_BUDGET = 0.5
    facts(12, year=2024, month=5, community="uyghur", host_country="GB")

    response = console(cast.analyst).post(
        reverse("publication:release_new"), {"rows": "community", "mechanism": "laplace", "epsilon": "0.6"}
    )

    assert response.status_code == 200
    assert "privacy budget" in response.content.decode()
    assert not Release.objects.exists()


def test_staff_downloads_are_audited(cast: Cast) -> None:
    release = approved(cast)

    response = console(cast.analyst).get(reverse("publication:release_json", args=[release.public_id]))

    assert json.loads(response.content)["grand_total"] == 30
    assert AuditEvent.objects.filter(action="release.download:json", actor=cast.analyst).exists()


def test_an_analyst_proposes_open_data_and_the_public_page_links_it(cast: Cast, settings: Any) -> None:
    settings.LONGARM_PUBLIC_STATISTICS = True
    facts(6, year=2024, month=5, community="uyghur", host_country="GB", tactics=("threat_direct",))
    console(cast.analyst).post(reverse("publication:open_data_new"))
    release = Release.objects.get(kind=ReleaseKind.OPEN_DATA)
    release_decide(actor=cast.admin, release_id=release.pk, approve=True)

    page = Client().get(reverse("statistics:statistics")).content.decode()
    text = Client().get(reverse("statistics:csv", args=[release.public_id])).content.decode()

    assert reverse("statistics:csv", args=[release.public_id]) in page
    assert text.splitlines()[0].startswith("year,month,community")
    assert len(text.splitlines()) == 7
    staff_page = console(cast.admin).get(reverse("publication:release", args=[release.public_id]))
    assert "6 records, anonymised." in staff_page.content.decode()


def test_the_release_list_shows_the_budget_and_the_form_to_analysts_only(cast: Cast) -> None:
    release_propose_counts(
        actor=cast.analyst, table=TABLE, filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.25
    )

    analyst_page = console(cast.analyst).get(reverse("publication:releases")).content.decode()
    admin_page = console(cast.admin).get(reverse("publication:releases")).content.decode()

    assert "0.250" in analyst_page
    assert reverse("publication:open_data_new") in analyst_page
    assert reverse("publication:open_data_new") not in admin_page


def test_analysts_cannot_approve(cast: Cast) -> None:
    release = release_propose_counts(actor=cast.analyst, table=TABLE, filters={})

    response = console(cast.analyst).post(
        reverse("publication:release_decision", args=[release.public_id]), {"decision": "approve"}
    )

    assert response.status_code == 403
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PROPOSED


def test_the_pages_listing_releases_make_a_fixed_number_of_queries(
    cast: Cast, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.LONGARM_PUBLIC_STATISTICS = True
    for _ in range(6):
        approved(cast)
    analyst = console(cast.analyst)
    client = Client()

    with django_assert_max_num_queries(2):
        assert client.get(reverse("statistics:statistics")).status_code == 200
    with django_assert_max_num_queries(5):
        assert analyst.get(reverse("publication:releases")).status_code == 200


def test_a_noisy_proposal_first_shows_its_noise_and_spends_nothing(cast: Cast) -> None:
    facts(12, year=2024, month=5, community="uyghur", host_country="GB")
    analyst = console(cast.analyst)
    fields = {"rows": "community", "mechanism": "laplace", "epsilon": "0.5"}

    preview = analyst.post(reverse("publication:release_new"), fields)

    page = preview.content.decode()
    assert preview.status_code == 200
    assert not Release.objects.exists()
    assert not PrivacyBudget.objects.filter(epsilon_spent__gt=0).exists()
    expected = noise_preview(mechanism="laplace", epsilon=0.5, contributions=1)
    assert "Noise scale per cell" in page
    assert f"{expected.scale:.2f}" in page
    assert f"±{expected.margin:.1f}" in page
    key = page.split('name="previewed" value="')[1].split('"')[0]
    # Changed settings are previewed again, not spent.
    analyst.post(reverse("publication:release_new"), {**fields, "epsilon": "0.4", "previewed": key})
    assert not Release.objects.exists()
    response = analyst.post(reverse("publication:release_new"), {**fields, "previewed": key})
    release = Release.objects.get()
    assert response["Location"] == reverse("publication:release", args=[release.public_id])
    assert release.epsilon == pytest.approx(0.5)


def test_the_gaussian_preview_uses_the_scale_the_release_uses() -> None:
    preview = noise_preview(mechanism="gaussian", epsilon=0.5, delta=1e-7, contributions=4)
    measurement = gaussian_measurement(epsilon=0.5, delta=1e-7, contributions=4)

    assert measurement.map(2)[0] <= 0.5 + 1e-9  # type: ignore[no-untyped-call]
    assert preview.scale == gaussian_scale(epsilon=0.5, delta=1e-7, contributions=4)
    # A discrete Gaussian's 95% interval is about 1.96 scales wide on each side.
    assert 1.8 * preview.scale < preview.margin < 2.2 * preview.scale


def test_a_refusal_for_lack_of_budget_says_how_much_is_left(cast: Cast, settings: Any) -> None:
    settings.LONGARM_DP_EPSILON_BUDGET = 1.0
    release_propose_counts(
        actor=cast.analyst, table=TABLE, filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.75
    )

    response = console(cast.analyst).post(
        reverse("publication:release_new"), {"rows": "community", "mechanism": "laplace", "epsilon": "0.5"}
    )

    assert "epsilon 0.25 and delta" in response.content.decode()
    assert Release.objects.count() == 1


def test_an_approver_is_warned_when_an_exact_and_a_noisy_table_cover_the_same_cells(cast: Cast) -> None:
    exact = approved(cast)
    transposed = CountTable(
        title="host_country by community",
        unit="incidents",
        row_dimension="host_country",
        rows=("GB", "JP"),
        column_dimension="community",
        columns=("uyghur", "tibetan"),
        cells=((12, 2), (7, 9)),
    )
    noisy = release_propose_counts(
        actor=cast.analyst, table=transposed, filters={}, mechanism=NoiseMechanism.LAPLACE, epsilon=0.2
    )
    other_filters = release_propose_counts(
        actor=cast.analyst,
        table=TABLE,
        filters={"start": "2024-01"},
        mechanism=NoiseMechanism.LAPLACE,
        epsilon=0.2,
    )
    admin = console(cast.admin)

    warned = admin.get(reverse("publication:release", args=[noisy.public_id])).content.decode()
    not_warned = admin.get(reverse("publication:release", args=[other_filters.public_id])).content.decode()

    assert "The noise would be pointless" in warned
    assert reverse("publication:release", args=[exact.public_id]) in warned
    assert "The noise would be pointless" not in not_warned
    release_decide(actor=cast.admin, release_id=noisy.pk, approve=True)
    exact_again = release_propose_counts(actor=cast.analyst, table=TABLE, filters={})
    page = admin.get(reverse("publication:release", args=[exact_again.public_id])).content.decode()
    assert "gives away the counts the noise hides" in page
    assert reverse("publication:release", args=[noisy.public_id]) in page


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_needs_a_reason_and_a_confirmation(cast: Cast, decision: str) -> None:
    release = release_propose_counts(actor=cast.analyst, table=TABLE, filters={})
    admin = console(cast.admin)
    url = reverse("publication:release_decision", args=[release.public_id])

    no_reason = admin.post(url, {"decision": decision, "confirmed": "yes"})
    no_confirmation = admin.post(url, {"decision": decision, "reason": "Why not"})

    assert "Give a reason." in no_reason.content.decode()
    assert 'value="Why not"' in no_confirmation.content.decode()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PROPOSED
    admin.post(url, {"decision": decision, "reason": "Why not", "confirmed": "yes"})
    release.refresh_from_db()
    assert release.status == (ReleaseStatus.APPROVED if decision == "approve" else ReleaseStatus.REJECTED)
    assert release.decision_reason == "Why not"


def test_a_withdrawal_is_confirmed_with_a_reason_and_shown_publicly_with_its_date(
    cast: Cast, settings: Any
) -> None:
    settings.LONGARM_PUBLIC_STATISTICS = True
    release = approved(cast)
    admin = console(cast.admin)
    url = reverse("publication:release_withdraw", args=[release.public_id])

    assert "Give a reason." in admin.post(url, {"confirmed": "yes"}).content.decode()
    assert 'name="confirmed"' in admin.post(url, {"reason": "A cell was miscoded."}).content.decode()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.APPROVED
    admin.post(url, {"reason": "A cell was miscoded.", "confirmed": "yes"})

    release.refresh_from_db()
    assert release.status == ReleaseStatus.WITHDRAWN
    assert release.withdrawn_by == cast.admin
    assert release.withdrawal_reason == "A cell was miscoded."
    assert release.withdrawn_at is not None
    page = Client().get(reverse("statistics:statistics")).content.decode()
    assert f"withdrawn on {release.withdrawn_at:%Y-%m-%d}" in page
    assert f"{release_title(release)}: published on {release.decided_at:%Y-%m-%d}" in page
    assert "A cell was miscoded." not in page
    assert 'class="num' not in page
    assert reverse("statistics:csv", args=[release.public_id]) not in page
    assert Client().get(reverse("statistics:csv", args=[release.public_id])).status_code == 404
