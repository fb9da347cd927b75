"""Receivers are called on public addresses only, checked on the address the connection
is made to: a name that answers with a public address for the check and a private one
for the connection (DNS rebinding) is refused, and nothing reaches the private address."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from guanxi.platform.process import webhooks
from guanxi.platform.process.webhooks import check_url, http_client
from tests.receiver import Receiver, receiving

NAME = "hooks.example.test"  # a name no resolver knows: the tests answer for it
PUBLIC = "93.184.216.34"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def answer_for(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Make ``NAME`` resolve to ``answers`` in turn (the last one from then on); other
    names resolve as usual. Returns the answers given, in order."""
    real = socket.getaddrinfo
    given: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != NAME:
            return real(host, port, *args, **kwargs)
        address = answers[min(len(given), len(answers) - 1)]
        given.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return given


def test_a_loopback_receiver_is_not_called(receiver: Receiver) -> None:
    url = receiver.url.replace("127.0.0.1", "localhost")
    with pytest.raises(httpx.ConnectError, match="private or local address"):
        http_client(allow_private=False).post(url, content=b"{}")
    assert receiver.requests == []


def test_a_name_rebound_to_loopback_after_the_check_is_not_called(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    url = f"http://{NAME}:{port}/hooks/guanxi"
    given = answer_for(monkeypatch, PUBLIC, "127.0.0.1")
    check_url(url, allow_private=False)  # the check sees the public address
    with pytest.raises(httpx.ConnectError, match=r"resolves to 127\.0\.0\.1"):
        http_client(allow_private=False).post(url, content=b"{}")
    assert given == [PUBLIC, "127.0.0.1"]
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address_under_the_receivers_name(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    answer_for(monkeypatch, "127.0.0.1")
    monkeypatch.setattr(webhooks, "_public", lambda ip: True)  # take loopback as public here
    answer = http_client(allow_private=False).post(
        f"http://{NAME}:{port}/hooks/guanxi", content=b'{"a": 1}'
    )
    assert answer.status_code == 200
    [request] = receiver.requests
    assert request.headers["host"] == f"{NAME}:{port}" and request.body == b'{"a": 1}'


def test_private_receivers_are_called_when_allowed(receiver: Receiver) -> None:
    assert http_client(allow_private=True).post(receiver.url, content=b"{}").status_code == 200
    assert len(receiver.requests) == 1
