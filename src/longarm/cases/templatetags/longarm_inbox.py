from django import template

from longarm.accounts.models import StaffUser
from longarm.cases.languages import language_name as _language_name
from longarm.intake.selectors import unread_report_count

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    return _language_name(code)


@register.simple_tag
def unread_reports(user: StaffUser) -> int:
    """How many reports sealed to ``user`` have a reporter's message they have not read (one query)."""
    return unread_report_count(user=user)
