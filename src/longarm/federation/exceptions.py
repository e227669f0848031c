"""What federated linking refuses, and why: a refusal's ``code`` is what a partner is told."""

# The refusal of every federation act on an installation without ``federation.key``.
NO_FEDERATION_KEY = "no_federation_key"


class FederationError(Exception):
    """Base of the federation app's errors."""


class TermsRefused(FederationError):
    """A partnership change that cannot be proposed or made; the message says why, for the administrator."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class RunRefused(FederationError):
    """A run this deployment (or its partner) refused; ``code`` names the rule, never a value."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PartnerUnreachable(FederationError):
    """The partner's endpoint did not answer, or answered with something that is not a signed reply."""
