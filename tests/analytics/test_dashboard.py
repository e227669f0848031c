import csv
import io
import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from longarm.audit.models import AuditEvent
from tests.analytics.helpers import facts
from tests.cases.helpers import console
from tests.conftest import Cast

pytestmark = pytest.mark.django_db
DASHBOARD = "analytics:dashboard"


@pytest.fixture
def sample() -> None:
    facts(
        12,
        year=2024,
        month=1,
        community="uyghur",
        host_country="TR",
        host_region="TR-MAR",
        tactics=("proxy_coercion_family",),
        channels=("wechat",),
    )
    facts(8, year=2024, month=3, community="tibetan", host_country="JP", tactics=("threat_direct",))
    # A small cell: two Mongolian reporters in Japan.
    facts(
        2, year=2024, month=3, community="southern_mongolian", host_country="JP", tactics=("threat_direct",)
    )


def download(client: Client, table: str, form: str, **query: str) -> str:
    response = client.get(reverse("analytics:download", args=[table, form]), query)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response.content.decode()


def test_the_analyst_sees_counts_charts_and_tables(cast: Cast, sample: None) -> None:
    page = console(cast.analyst).get(reverse(DASHBOARD)).content.decode()

    assert "22 incidents counted." in page
    assert "Relatives were targeted in 54.5% of them (12 of 22)." in page
    assert page.count('role="img"') >= 8
    assert '<title id="chart-tactic-title">Tactic</title>' in page
    assert '<th scope="row">Pressure through family members</th><td>12</td>' in page
    assert "<caption>" in page
    assert "<script" not in page.split("</head>", 1)[1]  # the dashboard needs no script of its own


def test_other_roles_and_strangers_are_refused(cast: Cast) -> None:
    for user in (cast.caseworker, cast.admin, cast.custodian, cast.investigator, cast.operator):
        assert console(user).get(reverse(DASHBOARD)).status_code == 403
        csv_url = reverse("analytics:download", args=["tactic", "csv"])
        assert console(user).get(csv_url).status_code == 403
    assert Client().get(reverse(DASHBOARD)).status_code == 302


def test_filters_are_a_plain_get_form_and_apply(cast: Cast, sample: None) -> None:
    client = console(cast.analyst)
    page = client.get(reverse(DASHBOARD)).content.decode()
    assert 'method="get"' in page

    filtered = client.get(reverse(DASHBOARD), {"community": "tibetan", "start": "2024-02"}).content.decode()
    assert "8 incidents counted." in filtered

    by_region = client.get(reverse(DASHBOARD), {"host": "TR-MAR"}).content.decode()
    assert "12 incidents counted." in by_region


def test_a_bad_filter_is_explained_and_the_others_still_apply(cast: Cast, sample: None) -> None:
    client = console(cast.analyst)
    page = client.get(reverse(DASHBOARD), {"start": "2024/3", "community": "uyghur"}).content.decode()

    assert "Enter a month as YYYY-MM, for example 2024-03." in page
    assert 'role="alert"' in page
    assert "12 incidents counted." in page  # the community applies, the unreadable month does not

    backwards = client.get(reverse(DASHBOARD), {"start": "2024-05", "end": "2024-01"}).content.decode()
    assert "The last month cannot come before the first." in backwards


def test_the_cross_tabulation_follows_the_form(cast: Cast, sample: None) -> None:
    page = console(cast.analyst).get(reverse(DASHBOARD), {"rows": "community", "columns": "host_country"})

    assert "Community by Host country" in page.content.decode()


def test_downloads_hide_small_counts_in_csv_and_json(cast: Cast, sample: None) -> None:
    client = console(cast.analyst)

    lines = list(csv.reader(io.StringIO(download(client, "community", "csv"))))
    by_code = {line[0]: line[1] for line in lines[1:]}
    assert by_code["southern_mongolian"] == ""  # 2 < 5: suppressed
    # ... and one more value with it, so that the total minus the others does not give the 2 away.
    assert [by_code[code] for code in ("uyghur", "tibetan", "total")].count("") >= 1
    assert "2" not in by_code.values()

    content = json.loads(download(client, "crosstab", "json", rows="community", columns="host_country"))
    cells = dict(zip(content["rows"], content["cells"], strict=True))
    assert cells["southern_mongolian"][content["columns"].index("JP")] is None
    assert content["threshold"] == 5
    assert "2" not in [str(value) for row in content["cells"] for value in row]


def test_every_table_can_be_downloaded(cast: Cast, sample: None) -> None:
    client = console(cast.analyst)
    for table in ("tactic", "channel", "months", "relatives_targeted", "referrals", "crosstab", "year"):
        assert json.loads(download(client, table, "json"))["schema"] == "longarm-table/1"
    assert client.get(reverse("analytics:download", args=["persons", "csv"])).status_code == 404
    assert client.get(reverse("analytics:download", args=["tactic", "xlsx"])).status_code == 404


def test_views_and_downloads_are_audited_without_counts(cast: Cast, sample: None) -> None:
    client = console(cast.analyst)
    client.get(reverse(DASHBOARD), {"community": "uyghur", "start": "2024-01", "end": "2024-06"})
    download(client, "tactic", "csv", host="JP", tactic="threat_direct")

    view = AuditEvent.objects.filter(action__startswith="analytics.view").latest("id")
    assert view.actor == cast.analyst
    assert view.action == "analytics.view:2024-01..2024-06"
    assert view.object_id == "uyghur||"
    csv_event = AuditEvent.objects.filter(action__startswith="analytics.csv").latest("id")
    assert (csv_event.object_type, csv_event.object_id) == ("tactic", "|JP|threat_direct")


def test_the_dashboard_runs_a_fixed_number_of_queries(
    cast: Cast, sample: None, django_assert_max_num_queries: object
) -> None:
    client = console(cast.analyst)
    with django_assert_max_num_queries(40):  # type: ignore[operator]
        client.get(reverse(DASHBOARD))


def test_in_a_right_to_left_language_the_charts_are_mirrored(cast: Cast, sample: None) -> None:
    client = console(cast.analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ug"

    page = client.get(reverse(DASHBOARD)).content.decode()

    assert 'dir="rtl"' in page
    assert 'direction="rtl"' in page


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"rows": "tactic", "columns": "country"},
        {"rows": "country", "columns": "tactic"},
        {"rows": "tactic"},
    ],
)
def test_a_deployment_without_any_report_shows_an_empty_dashboard(cast: Cast, query: dict[str, str]) -> None:
    # The first log-in of an analyst on a new deployment: no fact, so no code has a label yet.
    response = console(cast.analyst).get(reverse("analytics:dashboard"), query)
    assert response.status_code == 200


def test_a_download_names_only_the_filters_its_table_was_counted_with(cast: Cast, sample: None) -> None:
    analyst = console(cast.analyst)
    referrals = json.loads(download(analyst, "referrals", "json", host="JP", end="2020-01"))
    assert referrals["filters"] == {}  # a referral has no date or place: the filters were not applied
    tactics = json.loads(download(analyst, "tactic", "json", host="JP", end="2030-01"))
    assert tactics["filters"]
