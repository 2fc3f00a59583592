"""Check that every URL in the catalog still answers: concurrent, polite per host, HEAD then GET.

Each link ends as ok, redirected (with where it went), blocked (the host refuses automated
checks: 401/403/429, which says nothing about the link), or dead (4xx/5xx, DNS failure,
refused, reset, timeout, redirect loop); an answer slower than `slow_after` is flagged slow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TextIO
from urllib.parse import urlsplit

import requests

from schema import Catalog
from site_builder.catalog.link_status import paper_urls
from site_builder.http_client import describe_network_error, user_agent

Outcome = Literal["ok", "redirected", "blocked", "dead"]
# Hosts answer robots with these while the page is fine for people (LinkedIn uses 999).
BLOCKED_STATUSES = frozenset({401, 403, 429, 999})


@dataclass(frozen=True)
class LinkSettings:
    timeout: float = 15.0  # seconds for connecting and for each read; a link slower than this is dead
    slow_after: float = 5.0  # an answer that took longer than this is reported as slow
    workers: int = 8  # requests in flight at once, over all hosts
    per_host_delay: float = 0.5  # seconds between the starts of two requests to the same host
    max_redirects: int = 10  # more than this is reported as a redirect loop


@dataclass(frozen=True)
class LinkTarget:
    """A URL and where the catalog uses it, e.g. 'zhou2019-models-genesis: links.code'."""

    url: str
    uses: tuple[str, ...]


@dataclass(frozen=True)
class LinkResult:
    url: str
    outcome: Outcome
    status: int | None  # HTTP status of the last answer; None when there was none
    final_url: str | None  # where redirects ended, if they did
    seconds: float
    detail: str  # "HTTP 404 Not Found", "moved permanently (301)", "timed out after 15 s" ...
    slow: bool = False


def collect_links(catalog: Catalog) -> list[LinkTarget]:
    """Every http(s) link of every paper and resource, once each, sorted by URL."""
    uses: dict[str, list[str]] = {}
    for paper in catalog.papers:
        for field, url in paper_urls(paper):
            uses.setdefault(url, []).append(f"{paper.id}: {field}")
    for resource in catalog.resources:
        if resource.url:
            uses.setdefault(resource.url, []).append(f"resources.yaml: {resource.title}")
    return [LinkTarget(url, tuple(uses[url])) for url in sorted(uses)]


class _HostGate:
    """One request at a time per host, and at least `delay` seconds between their starts."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last_start: dict[str, float] = {}

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            wait = self._last_start.get(host, -float("inf")) + self.delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_start[host] = time.monotonic()
            yield


def _classify(response: requests.Response, seconds: float, url: str, settings: LinkSettings) -> LinkResult:
    slow = seconds > settings.slow_after
    status = response.status_code
    reason = f"HTTP {status} {response.reason or ''}".rstrip()
    if status in BLOCKED_STATUSES:
        return LinkResult(url, "blocked", status, None, seconds, f"{reason}: check it in a browser", slow)
    if status >= 400:
        return LinkResult(url, "dead", status, None, seconds, reason, slow)
    if response.history and response.url != url:
        first = response.history[0].status_code
        kind = "moved permanently" if first in (301, 308) else "redirected"
        return LinkResult(url, "redirected", status, response.url, seconds, f"{kind} ({first})", slow)
    return LinkResult(url, "ok", status, None, seconds, reason, slow)


def check_url(session: requests.Session, url: str, settings: LinkSettings) -> LinkResult:
    """HEAD first (cheap); GET when HEAD is refused or fails, since many servers mishandle HEAD."""
    start = time.monotonic()
    try:
        try:
            response = session.head(url, allow_redirects=True, timeout=settings.timeout)
            needs_get = response.status_code >= 400 and response.status_code != 429
        except requests.ConnectionError as error:
            if "DNS lookup failed" in describe_network_error(error, url, settings.timeout):
                raise
            needs_get = True
        if needs_get:
            response = session.get(url, allow_redirects=True, timeout=settings.timeout, stream=True)
            response.close()  # the status is all we need; never download the body
    except requests.TooManyRedirects:
        detail = f"redirect loop (more than {settings.max_redirects} redirects)"
        return LinkResult(url, "dead", None, None, time.monotonic() - start, detail)
    except requests.RequestException as error:
        detail = describe_network_error(error, url, settings.timeout)
        return LinkResult(url, "dead", None, None, time.monotonic() - start, detail)
    return _classify(response, time.monotonic() - start, url, settings)


def check_links(
    urls: Sequence[str], settings: LinkSettings, progress: Callable[[int, int], None] | None = None
) -> list[LinkResult]:
    """Check `urls` with a bounded pool; results sorted by URL."""
    gate = _HostGate(settings.per_host_delay)
    local = threading.local()  # a requests.Session is not meant to be shared between threads

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["User-Agent"] = user_agent()
            local.session.max_redirects = settings.max_redirects
        return local.session  # type: ignore[no-any-return]

    def check(url: str) -> LinkResult:
        with gate.turn((urlsplit(url).hostname or "").lower()):
            return check_url(session(), url, settings)

    results: list[LinkResult] = []
    with ThreadPoolExecutor(max_workers=max(1, settings.workers), thread_name_prefix="medssl-links") as pool:
        futures = [pool.submit(check, url) for url in urls]
        for done, future in enumerate(as_completed(futures), start=1):
            results.append(future.result())
            if progress:
                progress(done, len(futures))
    return sorted(results, key=lambda result: result.url)


class TerminalProgress:
    """A one-line progress bar, redrawn in place; for terminals only."""

    def __init__(self, stream: TextIO, label: str = "checking links", width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // max(total, 1)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
