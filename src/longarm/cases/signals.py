"""Every write that changes what a reader's search finds tells their index (``search_cases_changed``), in the
writer's transaction. Model signals rather than calls in each service: a new service that writes a note or a
message cannot forget it. A case a reader gains or loses needs no delta: each search compares the reader's
case keys with those the index was built from."""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from longarm.cases.models import Case, CaseReport, Identifier, Incident, Note, Person
from longarm.cases.search_index import search_cases_changed, search_index_drop, session_search_holder
from longarm.intake.models import KeyKind, Message, RecipientKind, Report, SealedKey


def _case_content_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    search_cases_changed(case_ids=[instance.case_id])


def _case_content_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    search_cases_changed(case_ids=[instance.case_id], removed=True)


def _summary_saved(sender: type, instance: Case, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is None or "summary_ciphertext" in update_fields:
        search_cases_changed(case_ids=[instance.pk])


def _cases_of_report(report_id: int) -> list[int]:
    return list(CaseReport.objects.filter(report_id=report_id).values_list("case_id", flat=True))


def _message_saved(sender: type, instance: Message, **kwargs: Any) -> None:
    search_cases_changed(case_ids=_cases_of_report(instance.report_id))


def _report_saved(
    sender: type, instance: Report, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    # A report just submitted is in no case yet: the reporter's request makes no query for it.
    if not created and (update_fields is None or "answers_ciphertext" in update_fields):
        search_cases_changed(case_ids=_cases_of_report(instance.pk))


def _report_key_added(sender: type, instance: SealedKey, **kwargs: Any) -> None:
    # A reader who gains a report's data key finds its answers and messages from now on.
    if instance.kind == KeyKind.DATA and instance.recipient_kind == RecipientKind.STAFF:
        search_cases_changed(case_ids=_cases_of_report(instance.report_id))


def _report_key_removed(sender: type, instance: SealedKey, **kwargs: Any) -> None:
    if instance.kind == KeyKind.DATA and instance.recipient_kind == RecipientKind.STAFF:
        search_cases_changed(case_ids=_cases_of_report(instance.report_id), removed=True)


def _logged_out(sender: type, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None and request.session.session_key:
        search_index_drop(holder=session_search_holder(request))


def connect() -> None:
    for model in (Note, Incident, Person, Identifier, CaseReport):
        post_save.connect(_case_content_saved, sender=model, dispatch_uid=f"search:{model.__name__}")
    for model in (Identifier, CaseReport):
        post_delete.connect(_case_content_deleted, sender=model, dispatch_uid=f"search-gone:{model.__name__}")
    post_save.connect(_summary_saved, sender=Case, dispatch_uid="search:Case")
    post_save.connect(_message_saved, sender=Message, dispatch_uid="search:Message")
    post_save.connect(_report_saved, sender=Report, dispatch_uid="search:Report")
    post_save.connect(_report_key_added, sender=SealedKey, dispatch_uid="search:SealedKey")
    post_delete.connect(_report_key_removed, sender=SealedKey, dispatch_uid="search-gone:SealedKey")
    user_logged_out.connect(_logged_out, dispatch_uid="search:logout")
