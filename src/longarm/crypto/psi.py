"""Private set intersection (issue 19) with OpenMined PSI: ECDH over P-256, the server's blinded set sent as
a Golomb-compressed set. The only module that imports the library.

The client blinds its elements with a fresh key on every run and learns, from the server's setup and
response, either the positions of its elements that the server also holds (``reveal_intersection``) or only
how many there are: the server, in size-only mode, shuffles its response, so the mode is the server's to
enforce and a client cannot ask for more. The server learns the number of the client's elements and nothing
of them.
"""

from dataclasses import dataclass

from private_set_intersection.python import (
    DataStructure,
    Request,
    Response,
    ServerSetup,
    client,
    server,
)

# The chance that one of the client's elements is falsely found in the server's set, per run. At 1e-9 over
# a million client elements the expected number of false matches is 0.001; the set costs about 30 bits per
# server element.
FALSE_POSITIVE_RATE = 1e-9


class PsiError(ValueError):
    """A PSI message that does not parse or does not fit the protocol."""


@dataclass(frozen=True)
class ClientRound:
    """A client's state between its request and the server's answer: the key must never leave it."""

    private_key: bytes
    reveal_intersection: bool
    request: bytes


def client_request(elements: list[str], *, reveal_intersection: bool) -> ClientRound:
    """Blind ``elements`` under a fresh key; returns the serialised request and the key to finish with."""
    psi_client = client.CreateWithNewKey(reveal_intersection)
    request = psi_client.CreateRequest(elements).SerializeToString()
    return ClientRound(
        private_key=bytes(psi_client.GetPrivateKeyBytes()),
        reveal_intersection=reveal_intersection,
        request=bytes(request),
    )


def request_size(request: bytes) -> int:
    """The number of elements a serialised request holds. Raises ``PsiError`` if it does not parse."""
    parsed = Request()
    try:
        parsed.ParseFromString(request)
    except Exception as error:
        raise PsiError("not a PSI request") from error
    return len(parsed.encrypted_elements)


def server_answer(elements: list[str], request: bytes, *, reveal_intersection: bool) -> tuple[bytes, bytes]:
    """Answer a client's serialised ``request`` from the server's ``elements`` under a fresh key; returns
    the serialised setup (the blinded set) and response. Raises ``PsiError`` on a malformed request."""
    size = request_size(request)
    psi_server = server.CreateWithNewKey(reveal_intersection)
    setup = psi_server.CreateSetupMessage(
        FALSE_POSITIVE_RATE, max(size, 1), elements, DataStructure.GCS
    ).SerializeToString()
    parsed = Request()
    parsed.ParseFromString(request)
    try:
        response = psi_server.ProcessRequest(parsed).SerializeToString()
    except RuntimeError as error:
        raise PsiError("the PSI library refused the request") from error
    return bytes(setup), bytes(response)


def client_finish(state: ClientRound, setup: bytes, response: bytes) -> list[int] | int:
    """The positions (in the client's element list) found in the server's set, or, when the intersection is
    not revealed, their number. Raises ``PsiError`` on malformed messages."""
    psi_client = client.CreateFromKey(state.private_key, state.reveal_intersection)
    parsed_setup, parsed_response = ServerSetup(), Response()
    try:
        parsed_setup.ParseFromString(setup)
        parsed_response.ParseFromString(response)
        if state.reveal_intersection:
            return sorted(
                int(position) for position in psi_client.GetIntersection(parsed_setup, parsed_response)
            )
        return int(psi_client.GetIntersectionSize(parsed_setup, parsed_response))
    except (RuntimeError, ValueError) as error:
        raise PsiError("the server's answer does not fit the request") from error
