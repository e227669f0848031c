"""Errors raised by the taxonomy app."""


class TaxonomyError(Exception):
    """A data file is malformed or inconsistent; the message names the file and, if known, the code."""

    def __init__(self, message: str, *, file: str, code: str | None = None) -> None:
        self.message = message
        self.file = file
        self.code = code
        where = f"{file}: term {code!r}" if code is not None else file
        super().__init__(f"{where}: {message}")


class UnknownCodeError(KeyError):
    """A code that is not in the vocabulary asked for."""

    def __init__(self, message: str, *, vocabulary: str, code: str) -> None:
        self.message = message
        self.vocabulary = vocabulary
        self.code = code
        super().__init__(message)

    def __str__(self) -> str:
        # KeyError would otherwise show the repr of the message, quotes and all.
        return self.message
