"""Fixtures for the contribution flow: local recorded-response servers, never the internet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contrib.recorded_server import RecordedServer


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    # A test that forgets to point a client at its server reaches a closed local port, not a real API.
    for variable in ("MEDSSL_ARXIV_URL", "MEDSSL_CROSSREF_URL", "MEDSSL_S2_URL", "MEDSSL_OPENALEX_URL"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9/unset")
    monkeypatch.delenv("MEDSSL_CONTACT", raising=False)


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    running = RecordedServer()
    yield running
    running.close()


@pytest.fixture
def apis(server: RecordedServer, monkeypatch: pytest.MonkeyPatch) -> RecordedServer:
    """The server, standing in for arXiv (/arxiv), Crossref (/crossref) and Semantic Scholar (/s2)."""
    monkeypatch.setenv("MEDSSL_ARXIV_URL", server.url("/arxiv/query"))
    monkeypatch.setenv("MEDSSL_CROSSREF_URL", server.url("/crossref"))
    monkeypatch.setenv("MEDSSL_S2_URL", server.url("/s2/graph/v1"))
    return server
