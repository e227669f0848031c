"""How the API refuses bad input: 400 with the message for each field, whether the shape of the request was
wrong (ninja's validation) or a value broke a rule the console's forms enforce. Never a server error, and
never a half-written change: each write runs in one transaction, rolled back on any refusal."""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

# Request parts ninja names before the field itself ("body", the parameter's name, "query", "path").
_LOCATION_PARTS = frozenset({"body", "payload", "query", "path"})
NON_FIELD = "__all__"


class InvalidInput(Exception):
    """Values the console's rules refuse, by field (``__all__`` for the request as a whole)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def of(cls, field: str, message: str) -> "InvalidInput":
        return cls({field: [message]})


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        field: [str(item["message"]) for item in items]
        for field, items in form.errors.get_json_data().items()
    }


def validated[F: forms.Form](form: F) -> F:
    """``form``, valid; raises ``InvalidInput`` with its field errors otherwise."""
    if not form.is_valid():
        raise InvalidInput(form_errors(form))
    return form


def _field(location: Any) -> str:
    parts = [str(part) for part in location if str(part) not in _LOCATION_PARTS]
    return ".".join(parts) or NON_FIELD


def _body(errors: dict[str, list[str]]) -> dict[str, Any]:
    return {"detail": _("The request is not valid: see the errors by field."), "errors": errors}


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer both kinds of bad input with 400 and the same body (``schemas.InvalidInputOut``)."""

    # ninja types a handler's exception as the class or an instance; it always passes an instance.
    def shape_refused(request: HttpRequest, error: ValidationError | type[ValidationError]) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for item in error.errors if isinstance(error, ValidationError) else ():
            errors.setdefault(_field(item.get("loc", ())), []).append(str(item.get("msg", "")))
        return api.create_response(request, _body(errors), status=400)

    def rule_refused(request: HttpRequest, error: InvalidInput | type[InvalidInput]) -> HttpResponse:
        return api.create_response(
            request, _body(error.errors if isinstance(error, InvalidInput) else {}), status=400
        )

    def http_refused(request: HttpRequest, error: HttpError | type[HttpError]) -> HttpResponse:
        if not isinstance(error, HttpError):
            raise TypeError(error)
        # ninja's own 400 (a body that is not JSON) takes the shape of every other 400.
        if error.status_code == 400:
            return api.create_response(request, _body({NON_FIELD: [str(error)]}), status=400)
        return api.create_response(request, {"detail": str(error)}, status=error.status_code)

    api.add_exception_handler(HttpError, http_refused)
    api.add_exception_handler(ValidationError, shape_refused)
    api.add_exception_handler(InvalidInput, rule_refused)
