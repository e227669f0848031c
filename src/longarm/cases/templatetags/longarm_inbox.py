from dataclasses import dataclass

from django import template

from longarm.accounts.models import StaffUser
from longarm.cases.languages import language_name as _language_name
from longarm.intake.selectors import unread_report_count

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    return _language_name(code)


# The console header counts reports with unread messages up to here, and says "more than" past it.
UNREAD_SHOWN_UP_TO = 99


@dataclass(frozen=True)
class UnreadCount:
    count: int
    # There are more than ``count`` (which is then ``UNREAD_SHOWN_UP_TO``).
    more: bool


@register.simple_tag
def unread_reports(user: StaffUser) -> UnreadCount:
    """How many reports sealed to ``user`` have a reporter's message they have not read, up to
    ``UNREAD_SHOWN_UP_TO`` (at most two queries, however many threads the reader holds)."""
    counted = unread_report_count(user=user, up_to=UNREAD_SHOWN_UP_TO + 1)
    return UnreadCount(count=min(counted, UNREAD_SHOWN_UP_TO), more=counted > UNREAD_SHOWN_UP_TO)
