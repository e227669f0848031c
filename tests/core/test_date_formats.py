"""Console dates are ISO 8601 in every language: a release time read in US order is a month off."""

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_dates_and_times_render_iso_in_every_language(language: str) -> None:
    template = Template(
        '{{ day }}|{{ moment|date:"SHORT_DATETIME_FORMAT" }}|{{ moment|date:"DATETIME_FORMAT" }}|'
        '{{ day|date:"SHORT_DATE_FORMAT" }}|{{ day|date }}'
    )
    with translation.override(language):
        text = template.render(
            Context({"day": date(2026, 3, 4), "moment": datetime(2026, 3, 4, 14, 5, tzinfo=UTC)})
        )
    assert text == "2026-03-04|2026-03-04 14:05|2026-03-04 14:05|2026-03-04|2026-03-04"
