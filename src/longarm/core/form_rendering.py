"""How form widgets are rendered: Django's own widget templates through Jinja2.

The questionnaire has about 1,300 widgets and options (every host region is an option of one plain
``<select>``, so that the page needs no JavaScript). Rendered with the Django template language they
cost about two thirds of the form page's CPU time, which a reporter's visit pays on every page; Django
ships the same widget templates for Jinja2, which renders them in a third of the time (64 → 22 ms a page,
measured with ``benchmarks/intake.py``'s form) with the same HTML. Jinja2 autoescapes here as Django's
templates do.

A widget or form template that exists only for the Django template language (a project's own, in an app's
``templates/``) is still found there.

Django's widget templates include one template per option (a ``<select>`` includes its option template, which
includes the attributes template; a checkbox includes three), and each include costs a new Jinja2 context:
a step page made some three hundred of them. ``form_widgets/`` holds the same templates with those
includes written out, found before Django's own, so that the HTML is the same at a fraction of the cost
(issue 13: the reporter's visit in steps).
"""

from functools import cached_property
from pathlib import Path
from typing import Any

from django.forms import renderers
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2 as Jinja2Backend

_FLATTENED = Path(__file__).resolve().parent / "form_widgets"
# Where Django keeps its own widget templates for Jinja2, searched after ours.
_DJANGO_FORMS = Path(renderers.__file__).resolve().parent / "jinja2"


class FormRenderer(Jinja2):
    def __init__(self) -> None:
        super().__init__()
        self._django = DjangoTemplates()

    @cached_property
    def engine(self) -> Jinja2Backend:
        return Jinja2Backend(
            {
                "APP_DIRS": True,
                "DIRS": [_FLATTENED, _DJANGO_FORMS],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
