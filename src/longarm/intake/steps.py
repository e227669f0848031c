"""The reporter's questionnaire in short steps, and the unsent draft that carries the answers between them.

Each step is a plain HTML form posted to the server (no JavaScript needed). What was answered so far is kept
only in the reporter's session vault (``core.session_vault``: encrypted under a key that only their cookie
holds), never in hidden fields in clear and never in a URL. So is the receipt, drawn when the reporter first
reaches the last step and shown there until they have typed it back and sent the report: a reload, Back or a
tap on another page loses nothing, and a fresh session has no draft to show (issue 14). Files attached at the
files step are kept as pending uploads (``evidence.pending``), under that module's quotas.

Whoever held this browser's session before the reporter (a shared phone or internet café, a cookie planted
over plain HTTP) learns nothing of what the reporter types: every save of the draft puts the vault under a new
key (``core.session_vault.vault_rotate``), so the vault cookie an earlier user kept opens nothing stored after
it; and a receipt drawn before an answer changed or a file was added is discarded, so a receipt someone saw on
the last step before handing the browser over never opens the report sent from it. (The session keeps its key
until the report is sent: moving it at every step as well cost a tenth of intake's throughput on SQLite, an
insert and a delete where an update had been, for nothing the new vault key does not already protect; the
earlier user's session cookie can still empty the draft, not read it.)
"""

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from longarm.core.session_vault import vault_delete, vault_load, vault_rotate, vault_store
from longarm.crypto.receipts import new_receipt

_VAULT_NAME = "report-draft"


@dataclass(frozen=True)
class Step:
    slug: str
    title: StrOrPromise
    fields: tuple[str, ...]
    number: int
    # Nothing on it must be answered: a reporter may skip it (issue 14: taps to a sent report).
    optional: bool = False


# What must be answered comes first, on two short steps; the optional steps can be skipped together from
# the second, and what the reporter allows is chosen on the last step, beside the receipt and Send (issue 14:
# at most ten taps from the home page to a sent report, and no step taller than three phone screens at 360 px
# in any of the reporter languages, which is why each long list of choices has a step of its own).
STEPS = (
    Step(
        "what",
        _("What happened"),
        (
            "what_happened",
            "incident_year",
            "incident_month",
            "incident_day",
            "date_is_approximate",
            "host_country",
        ),
        1,
    ),
    Step("did", _("What they did"), ("tactics", "tactic_other"), 2),
    Step("who", _("Who contacted you"), ("actor_types",), 3, optional=True),
    Step("how", _("How they contacted you"), ("channels",), 4, optional=True),
    Step(
        "them",
        _("What you know about them"),
        (
            "perpetrator_names",
            "perpetrator_phone_numbers",
            "perpetrator_wechat_ids",
            "perpetrator_badge_numbers",
            "perpetrator_other",
        ),
        5,
        optional=True,
    ),
    Step(
        "more",
        _("About you"),
        ("host_region", "community", "relatives_at_risk", "contact", "attachments"),
        6,
        optional=True,
    ),
    Step("review", _("Check and send"), ("consent",), 7),
)
QUESTION_STEPS = STEPS[:-1]
REVIEW = STEPS[-1]
FILES = next(step for step in STEPS if "attachments" in step.fields)
_BY_SLUG = {step.slug: step for step in STEPS}


def step_for(slug: str) -> Step | None:
    return _BY_SLUG.get(slug)


def step_after(step: Step) -> Step:
    return STEPS[min(step.number, len(STEPS) - 1)]


def step_before(step: Step) -> Step | None:
    return STEPS[step.number - 2] if step.number > 1 else None


def steps_skippable_after(step: Step) -> list[Step]:
    """The question steps after ``step``, if every one of them is optional (they can be skipped at once)."""
    later = list(QUESTION_STEPS[step.number :])
    return later if later and all(later_step.optional for later_step in later) else []


@dataclass
class Draft:
    """The unsent report of one session: the answers as posted, the steps passed, and its receipt."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    answers: dict[str, str | list[str]] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    campaign: str = ""
    receipt: str = ""
    # A receipt was drawn, then discarded because the answers changed: the last step says the number is new.
    receipt_replaced: bool = False

    def data(self) -> QueryDict:
        """The answers as a form would have posted them, to bind a form to."""
        data = QueryDict(mutable=True)
        for name, value in self.answers.items():
            data.setlist(name, value if isinstance(value, list) else [value])
        return data

    def keep(self, form: forms.Form, posted: QueryDict) -> None:
        """Remember what was posted for ``form``'s questions (valid or not: Back keeps what was typed); a
        receipt drawn before an answer changed or a file came with ``form`` is discarded (module text)."""
        before = dict(self.answers)
        for name, form_field in form.fields.items():
            if isinstance(form_field, forms.FileField):
                continue
            multiple = isinstance(form_field, forms.MultipleChoiceField)
            self.answers[name] = posted.getlist(name) if multiple else posted.get(name, "")
        region, country = self.answers.get("host_region", ""), self.answers.get("host_country", "")
        # The region is asked on a later step, among the chosen country's regions: another country's region
        # is dropped rather than left to contradict the new answer.
        if (
            "host_country" in form.fields
            and isinstance(region, str)
            and region not in ("", country)
            and not region.startswith(f"{country}-")
        ):
            self.answers["host_region"] = ""
        if self.receipt and (self.answers != before or form.files):
            self.receipt, self.receipt_replaced = "", True

    def mark_done(self, step: Step) -> None:
        if step.slug not in self.done:
            self.done.append(step.slug)

    def first_missing(self) -> Step | None:
        """The first question step not yet passed, if any."""
        return next((step for step in QUESTION_STEPS if step.slug not in self.done), None)

    def receipt_drawn(self) -> str:
        """This draft's receipt, drawn the first time it is asked for and the same ever after."""
        if not self.receipt:
            self.receipt = new_receipt()
        return self.receipt


def draft_load(request: HttpRequest) -> Draft | None:
    stored = vault_load(request, _VAULT_NAME)
    if stored is None:
        return None
    try:
        value: Any = json.loads(stored)
        return Draft(
            token=str(value["token"]),
            answers=dict(value["answers"]),
            done=list(value["done"]),
            campaign=str(value["campaign"]),
            receipt=str(value["receipt"]),
            receipt_replaced=bool(value.get("receipt_replaced", False)),
        )
    except (ValueError, KeyError, TypeError):
        return None


def draft_save(request: HttpRequest, draft: Draft) -> None:
    """Keep ``draft`` in the vault, under a new vault key (the module's text)."""
    vault_rotate(request)
    value = {
        "token": draft.token,
        "answers": draft.answers,
        "done": draft.done,
        "campaign": draft.campaign,
        "receipt": draft.receipt,
        "receipt_replaced": draft.receipt_replaced,
    }
    vault_store(request, _VAULT_NAME, json.dumps(value, ensure_ascii=False).encode())


def draft_forget(request: HttpRequest) -> None:
    vault_delete(request, _VAULT_NAME)


@dataclass(frozen=True)
class ReviewRow:
    label: StrOrPromise
    value: str
    # "ltr" for what the question's box is typed left to right in (numbers, IDs), as its form field says.
    direction: str = ""


@dataclass(frozen=True)
class ReviewSection:
    step: Step
    rows: list[ReviewRow]
    # Whether the step attaches files, which the last step lists under it.
    files: bool = False


def _flat_choices(choices: Any) -> dict[str, str]:
    flat: dict[str, str] = {}
    for value, label in choices:
        if isinstance(label, list | tuple):
            flat.update(_flat_choices(label))
        else:
            flat[str(value)] = str(label)
    return flat


def _shown(form_field: forms.Field, value: object) -> str:
    if isinstance(form_field, forms.ChoiceField):
        labels = _flat_choices(form_field.choices)
        chosen = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(str(item), str(item)) for item in chosen if item not in (None, "")) or "—"
    return str(value or "—")


_DATE_FIELDS = ("incident_year", "incident_month", "incident_day", "date_is_approximate")


def _date_shown(data: dict[str, Any]) -> str:
    year, month, day = data.get("incident_year"), data.get("incident_month"), data.get("incident_day")
    if year is None:
        return ""
    shown = "-".join([str(year), *[f"{part:02d}" for part in (month, day) if part is not None]])
    return f"{shown} ({_('approximate')})" if data.get("date_is_approximate") else shown


def review_sections(form: forms.Form) -> list[ReviewSection]:
    """What the last step shows of a valid draft, step by step, in the reporter's words and labels: only what
    was answered (a phone shows it in a third of the height), the date as one line."""
    sections = []
    for step in QUESTION_STEPS:
        rows = []
        if "incident_year" in step.fields and (date := _date_shown(form.cleaned_data)):
            rows.append(ReviewRow(label=_("When"), value=date))
        for name in step.fields:
            if name in _DATE_FIELDS or name not in form.fields:
                continue
            value = _shown(form.fields[name], form.cleaned_data[name])
            if value != "—":
                field = form.fields[name]
                direction = str(field.widget.attrs.get("dir", ""))
                rows.append(ReviewRow(label=field.label or name, value=value, direction=direction))
        sections.append(ReviewSection(step=step, rows=rows, files="attachments" in step.fields))
    return sections
