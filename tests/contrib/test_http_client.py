"""The metadata session against a real local server: retries, Retry-After, errors, size cap, cache."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from site_builder.http_client import FetchError, MetadataClient, NotFound, RetryPolicy
from tests.contrib.recorded_server import RecordedServer, Reply

FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=0.5)


def client(**kwargs: object) -> MetadataClient:
    options: dict[str, object] = {"retry": FAST, "timeout": 2.0}
    options.update(kwargs)
    return MetadataClient(**options)  # type: ignore[arg-type]


def test__a_200_answer_is_returned_with_the_url_asked_for(server: RecordedServer):
    server.route("/api", Reply(200, b"hello"))
    fetched = client().get(server.url("/api"), params={"id_list": "1908.06912"})
    assert fetched.text == "hello"
    assert fetched.url == server.url("/api?id_list=1908.06912")
    assert fetched.from_cache is False


def test__requests_identify_the_tool(server: RecordedServer, monkeypatch):
    monkeypatch.setenv("MEDSSL_CONTACT", "maintainers@example.org")
    server.route("/api", Reply(200, b"x"))
    client().get(server.url("/api"))
    agent = server.log[0].user_agent
    assert agent.startswith("medssl/") and "mailto:maintainers@example.org" in agent


def test__a_404_is_not_found_and_is_not_retried(server: RecordedServer):
    server.route("/api", Reply(404, b"Resource not found."))
    with pytest.raises(NotFound, match="not found"):
        client().get(server.url("/api"))
    assert len(server.log) == 1


def test__a_500_then_200_succeeds_after_one_retry(server: RecordedServer):
    server.route("/api", Reply(500, b"oops"), Reply(200, b"ok"))
    session = client()
    assert session.get(server.url("/api")).text == "ok"
    assert len(server.log) == 2 and len(session.waits) == 1


def test__a_429_waits_as_long_as_retry_after_says(server: RecordedServer):
    server.route("/api", Reply(429, b"slow down", headers={"Retry-After": "1"}), Reply(200, b"ok"))
    session = client(retry=RetryPolicy(attempts=3, backoff=0.01, max_wait=5.0))
    assert session.get(server.url("/api")).text == "ok"
    first, second = server.log
    assert session.waits == [1.0]
    assert second.started - first.ended >= 0.9  # the server saw the pause it asked for


def test__retry_after_is_capped(server: RecordedServer):
    server.route("/api", Reply(429, b"", headers={"Retry-After": "3600"}), Reply(200, b"ok"))
    waits: list[float] = []
    session = client(retry=RetryPolicy(attempts=2, backoff=0.01, max_wait=0.2), sleep=waits.append)
    assert session.get(server.url("/api")).text == "ok"
    assert waits == [0.2]


def test__persistent_503_gives_up_after_the_attempts(server: RecordedServer):
    server.route("/api", Reply(503, b"down"))
    with pytest.raises(FetchError, match=r"HTTP 503.*gave up after 3 attempts"):
        client().get(server.url("/api"))
    assert len(server.log) == 3


def test__a_timeout_is_one_clear_line(server: RecordedServer):
    server.route("/api", Reply(200, b"late", delay=1.5))
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        client(timeout=0.3, retry=RetryPolicy(attempts=2, backoff=0.01)).get(server.url("/api"))
    assert str(error.value) == "127.0.0.1 did not answer within 0.3 s (gave up after 2 attempts)"
    assert time.monotonic() - started < 1.5  # two timeouts, not two full answers


def test__a_dns_failure_is_reported_at_once():
    with pytest.raises(FetchError) as error:
        client().get("http://no-such-host.invalid/api")
    assert str(error.value).startswith("cannot resolve no-such-host.invalid: DNS lookup failed")


def test__a_refused_connection_is_named():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match=r"cannot connect to 127\.0\.0\.1: connection refused"):
        client().get(f"http://127.0.0.1:{port}/api")


@pytest.fixture
def resetting_port() -> Iterator[int]:
    """A server that accepts and then resets every connection (RST, via SO_LINGER 0)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            connection.recv(1024)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


def test__a_reset_connection_is_named(resetting_port: int):
    with pytest.raises(FetchError, match=r"127\.0\.0\.1 reset the connection"):
        client().get(f"http://127.0.0.1:{resetting_port}/api")


def test__a_redirect_loop_is_reported_not_followed_forever(server: RecordedServer):
    server.route("/loop", Reply(302, b"", headers={"Location": "/loop"}))
    with pytest.raises(FetchError, match="too many redirects"):
        client().get(server.url("/loop"))
    assert len(server.log) <= 6


def test__an_oversized_answer_is_refused(server: RecordedServer):
    server.route("/big", Reply(200, b"x" * 5000))
    with pytest.raises(FetchError, match=r"limit of 1,000 bytes|the limit is 1,000"):
        client(max_bytes=1000).get(server.url("/big"))


def test__answers_are_cached_and_offline_mode_reads_only_the_cache(server: RecordedServer, tmp_path):
    server.route("/api", Reply(200, b"cached body"))
    with client(cache_dir=tmp_path / "cache") as online:
        assert online.get(server.url("/api")).from_cache is False
        assert online.get(server.url("/api")).from_cache is True
    with client(cache_dir=tmp_path / "cache", offline=True) as offline:
        assert offline.get(server.url("/api")).text == "cached body"
        with pytest.raises(FetchError, match="is not in the cache; run without --offline"):
            offline.get(server.url("/other"))
    assert len(server.log) == 1


def test__errors_are_not_cached(server: RecordedServer, tmp_path):
    server.route("/api", Reply(500, b"oops"), Reply(200, b"fine"))
    with client(cache_dir=tmp_path / "cache", retry=RetryPolicy(attempts=1)) as session:
        with pytest.raises(FetchError):
            session.get(server.url("/api"))
        assert session.get(server.url("/api")).text == "fine"
