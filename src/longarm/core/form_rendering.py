"""How form widgets are rendered: Django's own widget templates through Jinja2.

The questionnaire has about 1,300 widgets and options (every host region is an option of one plain
``<select>``, so that the page needs no JavaScript). Rendered with the Django template language they
cost about two thirds of the form page's CPU time, which a reporter's visit pays on every page; Django
ships the same widget templates for Jinja2, which renders them in a third of the time (64 → 22 ms a page,
measured with ``benchmarks/intake.py``'s form) with the same HTML. Jinja2 autoescapes here as Django's
templates do.

A widget or form template that exists only for the Django template language (a project's own, in an app's
``templates/``) is still found there.
"""

from typing import Any

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(Jinja2):
    def __init__(self) -> None:
        super().__init__()
        self._django = DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
