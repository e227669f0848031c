"""A form field for text typed in a box of several lines, its length counted as the browser counts it.

A browser stops a ``<textarea maxlength>`` at so many characters counting each line break as one, then sends
each line break as two (CR LF, as HTML requires): Django's ``CharField`` counts what arrives, so a text the
box accepted to the last character was refused as too long, with a count the reporter never saw. Line breaks
are made LF before the length is checked (and stored so).
"""

from typing import Any

from django import forms


class MultilineTextField(forms.CharField):
    widget = forms.Textarea

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        text: str | None = super().to_python(value)
        return text
