"""One HTTP session for the metadata APIs: identification, timeouts, retries, a size cap, a cache.

Every metadata client fetches through `MetadataClient.get`, so politeness and failure handling
live in one place, and every failure ends as one line a contributor can act on.
"""

from __future__ import annotations

import datetime
import email.utils
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import requests_cache

from site_builder.catalog.problems import MedsslError

VERSION = "0.1.0"
# Statuses worth another try: rate limiting and the server's own passing trouble.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CACHE_DIR = ".medssl-cache"


class FetchError(MedsslError):
    """A metadata request failed; the message is one line naming the host or URL and why."""

    exit_code = 1


class NotFound(FetchError):
    """The service answered that it has no such paper."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # one try and three retries: enough to ride out a short outage or rate limit
    backoff: float = 1.0  # seconds before the first retry when the server gives no Retry-After; doubles
    max_wait: float = 30.0  # cap on any one wait, Retry-After included: a person is waiting at the terminal


@dataclass(frozen=True)
class Fetched:
    """A successful response: `url` is the URL asked for, query included (what `sources:` records)."""

    url: str
    status: int
    content: bytes
    from_cache: bool

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def user_agent() -> str:
    """Who is asking, as the APIs' etiquette asks; $MEDSSL_CONTACT adds a mailto (Crossref's polite pool)."""
    contact = os.environ.get("MEDSSL_CONTACT", "").strip()
    suffix = f"; mailto:{contact}" if contact else ""
    return f"medssl/{VERSION} (awesome-ssl-medical-imaging catalog tool{suffix}) python-requests/{requests.__version__}"


def describe_network_error(error: requests.RequestException, url: str, timeout: float) -> str:
    """One line for a failure below HTTP: DNS, refused, reset, timeout, redirect loop."""
    host = urlsplit(url).hostname or url
    chain = _exception_chain(error)
    names = {type(item).__name__ for item in chain}
    text = " ".join(str(item) for item in chain)
    if isinstance(error, requests.TooManyRedirects):
        return f"{url}: too many redirects (a redirect loop?)"
    if isinstance(error, requests.Timeout):
        return f"{host} did not answer within {timeout:g} s"
    if "NameResolutionError" in names or "gaierror" in names or "Name or service not known" in text:
        return f"cannot resolve {host}: DNS lookup failed (check the address and your connection)"
    if "ConnectionRefusedError" in names or "Connection refused" in text:
        return f"cannot connect to {host}: connection refused"
    if "ConnectionResetError" in names or "Connection reset" in text:
        return f"{host} reset the connection"
    if "RemoteDisconnected" in names:
        return f"{host} closed the connection without answering"
    return f"{host}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'request failed'}"


def _exception_chain(error: BaseException) -> list[BaseException]:
    # requests wraps urllib3, which wraps socket errors; the cause may sit in args, reason or __context__.
    seen: list[BaseException] = []
    pending: list[Any] = [error]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or any(item is known for known in seen):
            continue
        seen.append(item)
        pending += [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
    return seen


def _retry_after(response: requests.Response) -> float | None:
    """Seconds the server asks us to wait, from Retry-After as a number or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


class ResponseTooLarge(requests.RequestException):
    """The body passed the size cap; raised while reading, before it is all in memory."""


class MetadataClient:
    """GET with timeouts, retries with backoff (Retry-After honoured, capped), a size cap and a disk cache.

    `cache_dir=None` means no cache; `offline=True` means the cache only: a miss is an error.
    """

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        offline: bool = False,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        max_bytes: int = 5_000_000,
        cache_days: int = 30,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if offline and cache_dir is None:
            raise ValueError("offline mode needs a cache")
        self.offline = offline
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.max_bytes = max_bytes
        self._sleep = sleep
        self.waits: list[float] = []  # every wait between tries, for the caller's report (and tests)
        if cache_dir is None:
            self.session: requests.Session = requests.Session()
        else:
            cache_dir.mkdir(parents=True, exist_ok=True)
            # Only successes are cached: an error must be retried next time, not replayed.
            self.session = requests_cache.CachedSession(
                str(cache_dir / "http"),
                backend="sqlite",
                expire_after=datetime.timedelta(days=cache_days),
                allowable_codes=(200,),
                allowable_methods=("GET",),
            )
        self.session.headers["User-Agent"] = user_agent()
        self.session.max_redirects = 5
        self.session.hooks["response"].append(self._read_capped)

    def _read_capped(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        # Runs before requests reads the body, so an oversized answer is refused, not buffered.
        if getattr(response, "from_cache", False) or response._content_consumed:  # type: ignore[attr-defined]
            return response
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response.close()
            raise ResponseTooLarge(
                f"{response.url}: the answer is {int(declared):,} bytes; the limit is {self.max_bytes:,}"
            )
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                response.close()
                raise ResponseTooLarge(f"{response.url}: the answer is over the limit of {self.max_bytes:,} bytes")
            chunks.append(chunk)
        response._content = b"".join(chunks)  # type: ignore[attr-defined]
        return response

    def get(
        self, url: str, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> Fetched:
        """The body of a 200 answer; NotFound for 404; FetchError for anything else, after retries."""
        asked = requests.Request("GET", url, params=dict(params or {})).prepare().url or url
        last_problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            try:
                response = self._send(url, params, headers)
            except ResponseTooLarge as error:
                raise FetchError(str(error)) from None
            except (requests.Timeout, requests.ConnectionError) as error:
                last_problem = describe_network_error(error, asked, self.timeout)
                if "DNS lookup failed" in last_problem:
                    raise FetchError(last_problem) from None  # a wrong name does not heal by waiting
                wait = self.retry.backoff * 2 ** (attempt - 1)
            except requests.TooManyRedirects as error:
                raise FetchError(describe_network_error(error, asked, self.timeout)) from None
            else:
                if response.status_code == 200:
                    return Fetched(asked, 200, response.content, bool(getattr(response, "from_cache", False)))
                if self.offline and getattr(response, "from_cache", False) and response.status_code == 504:
                    raise FetchError(f"{asked} is not in the cache; run without --offline to fetch it")
                if response.status_code == 404:
                    raise NotFound(f"{asked}: not found (HTTP 404)")
                last_problem = f"{asked}: HTTP {response.status_code} {response.reason or ''}".rstrip()
                if response.status_code not in RETRY_STATUSES:
                    raise FetchError(last_problem)
                asked_wait = _retry_after(response)
                wait = self.retry.backoff * 2 ** (attempt - 1) if asked_wait is None else asked_wait
            if attempt == self.retry.attempts:
                break
            wait = min(wait, self.retry.max_wait)
            self.waits.append(wait)
            self._sleep(wait)
        raise FetchError(f"{last_problem} (gave up after {self.retry.attempts} attempts)")

    def _send(self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None) -> requests.Response:
        kwargs: dict[str, Any] = {"params": params, "headers": headers, "timeout": self.timeout}
        if isinstance(self.session, requests_cache.CachedSession):
            kwargs["only_if_cached"] = self.offline
        return self.session.get(url, **kwargs)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> MetadataClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def default_cache_dir(root: Path) -> Path:
    return root / CACHE_DIR
