"""`medssl links` against local servers with live, dead, redirecting, slow and hanging URLs."""

from __future__ import annotations

import datetime
import io
import itertools
import json
import time
from collections.abc import Iterator

import pytest

from site_builder.catalog.link_status import LinkRecord, load_link_status, paper_link_status
from site_builder.catalog.problems import ProblemsFound
from site_builder.cli import main
from site_builder.links.check import LinkResult, LinkSettings, LinkTarget, TerminalProgress, check_links
from site_builder.links.record import render_link_status
from site_builder.links.report import render_json_report, render_markdown_report
from tests.conftest import GOOD_PAPER
from tests.contrib.recorded_server import RecordedServer, Reply

SETTINGS = LinkSettings(timeout=1.0, slow_after=0.3, workers=4, per_host_delay=0.0)


def route_all_kinds(server: RecordedServer) -> None:
    server.route("/live", Reply(200, b"hello", content_type="text/html"))
    server.route("/gone", Reply(404, b"nope", content_type="text/html"))
    server.route("/error", Reply(500, b"oops", content_type="text/html"))
    server.route("/moved", Reply(301, b"", headers={"Location": "/live"}))
    server.route("/loop", Reply(302, b"", headers={"Location": "/loop"}))
    server.route("/slow", Reply(200, b"late", delay=0.5))
    server.route("/hang", Reply(200, b"too late", delay=3.0))
    server.route("/no-head", Reply(405, b""), method="HEAD")
    server.route("/no-head", Reply(200, b"get works"), method="GET")
    server.route("/robots-unwelcome", Reply(403, b"forbidden"))


def test__each_kind_of_link_is_reported_correctly_and_within_its_timeout(server: RecordedServer):
    route_all_kinds(server)
    paths = ["/live", "/gone", "/error", "/moved", "/loop", "/slow", "/hang", "/no-head", "/robots-unwelcome"]
    started = time.monotonic()
    results = {
        result.url.removeprefix(server.base): result
        for result in check_links([server.url(path) for path in paths] + ["http://no-such-host.invalid/x"], SETTINGS)
    }
    elapsed = time.monotonic() - started
    assert (results["/live"].outcome, results["/live"].status, results["/live"].slow) == ("ok", 200, False)
    assert (results["/gone"].outcome, results["/gone"].detail) == ("dead", "HTTP 404 Not Found")
    assert (results["/error"].outcome, results["/error"].status) == ("dead", 500)
    moved = results["/moved"]
    assert (moved.outcome, moved.final_url, moved.detail) == (
        "redirected",
        server.url("/live"),
        "moved permanently (301)",
    )
    assert (results["/loop"].outcome, results["/loop"].detail) == ("dead", "redirect loop (more than 10 redirects)")
    assert (results["/slow"].outcome, results["/slow"].slow) == ("ok", True)
    hang = results["/hang"]
    assert (hang.outcome, hang.detail) == ("dead", "127.0.0.1 did not answer within 1 s")
    assert hang.seconds < 2.0  # given up at the timeout, not after the server's 3 s
    assert (results["/no-head"].outcome, results["/no-head"].status) == ("ok", 200)
    assert [entry.method for entry in server.requests_to("/no-head")] == ["HEAD", "GET"]
    assert results["/robots-unwelcome"].outcome == "blocked"
    dns = results["http://no-such-host.invalid/x"]
    assert dns.outcome == "dead" and "DNS lookup failed" in dns.detail
    assert elapsed < 3.0  # the hanging link ran alongside the rest


def test__a_get_fallback_never_downloads_the_body(server: RecordedServer):
    server.route("/big", Reply(405, b""), method="HEAD")
    server.route("/big", Reply(200, b"x" * 20_000_000), method="GET")
    started = time.monotonic()
    [result] = check_links([server.url("/big")], SETTINGS)
    assert result.outcome == "ok" and time.monotonic() - started < 1.0


@pytest.fixture
def three_hosts() -> Iterator[list[RecordedServer]]:
    servers = [RecordedServer(host) for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3")]
    yield servers
    for running in servers:
        running.close()


def overlaps(intervals: list[tuple[float, float]]) -> bool:
    ordered = sorted(intervals)
    return any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered))


def test__one_request_at_a_time_per_host_with_a_pause_between(server: RecordedServer):
    for number in range(4):
        server.route(f"/page{number}", Reply(200, b"ok", delay=0.05))
    settings = LinkSettings(timeout=2.0, slow_after=1.0, workers=4, per_host_delay=0.2)
    check_links([server.url(f"/page{number}") for number in range(4)], settings)
    starts = sorted(entry.started for entry in server.log)
    assert not overlaps([(entry.started, entry.ended) for entry in server.log])
    assert all(later - earlier >= 0.19 for earlier, later in itertools.pairwise(starts))


def test__different_hosts_are_checked_concurrently_within_the_pool(three_hosts: list[RecordedServer]):
    for running in three_hosts:
        running.route("/page", Reply(200, b"ok", delay=0.3))
    urls = [running.url("/page") for running in three_hosts]
    check_links(urls, LinkSettings(timeout=2.0, slow_after=1.0, workers=3, per_host_delay=0.0))
    spans = [(entry.started, entry.ended) for running in three_hosts for entry in running.log]
    assert overlaps(spans)
    for running in three_hosts:
        running.log.clear()
    check_links(urls, LinkSettings(timeout=2.0, slow_after=1.0, workers=1, per_host_delay=0.0))
    assert not overlaps([(entry.started, entry.ended) for running in three_hosts for entry in running.log])


def test__the_record_is_deterministic_and_loads_back(catalog_dir, write_paper):
    results = [
        LinkResult("https://b.example.org/x", "dead", 404, None, 0.123, "HTTP 404 Not Found"),
        LinkResult("https://a.example.org/code", "redirected", 200, "https://a.example.org/new", 1.5, "moved (301)"),
        LinkResult("https://c.example.org/weights", "blocked", 403, None, 0.2, "HTTP 403"),
    ]
    day = datetime.date(2026, 11, 21)
    text = render_link_status(results, day)
    assert text == render_link_status(list(reversed(results)), day)  # order of checking does not matter
    assert "0.123" not in text  # timings vary run to run; the record does not keep them
    (catalog_dir / "link-status.json").write_text(text)
    records = load_link_status(catalog_dir.parent)
    assert records["https://a.example.org/code"] == LinkRecord("redirected", day, 200, "https://a.example.org/new")
    assert records["https://b.example.org/x"].reachable is False
    assert records["https://c.example.org/weights"].reachable is None
    paper = GOOD_PAPER.replace(
        "  code: https://github.com/MrGiovanni/ModelsGenesis",
        "  code: https://a.example.org/code\nweights:\n  - url: https://c.example.org/weights\n    host: other",
    )
    write_paper("zhou2019-models-genesis", paper)
    from site_builder.build import load_or_fail

    status = paper_link_status(load_or_fail(catalog_dir.parent).paper("zhou2019-models-genesis"), records)
    assert status["code"].reachable is True and status["weights"].status == "blocked"
    assert status["code"].checked == day


def test__no_record_yet_is_empty_and_a_broken_record_is_an_error(catalog_dir):
    assert load_link_status(catalog_dir.parent) == {}
    (catalog_dir / "link-status.json").write_text('{"links": {"https://x.org": {"status": "fine"}}}')
    with pytest.raises(ProblemsFound, match="not a link-status record"):
        load_link_status(catalog_dir.parent)


def test__reports_list_dead_redirected_blocked_and_slow_with_their_users():
    results = [
        LinkResult("https://a.org/dead", "dead", 404, None, 0.1, "HTTP 404 Not Found"),
        LinkResult("https://a.org/moved", "redirected", 200, "https://a.org/new", 0.1, "moved permanently (301)"),
        LinkResult("https://a.org/slow", "ok", 200, None, 7.25, "HTTP 200 OK", slow=True),
        LinkResult("https://a.org/robots", "blocked", 403, None, 0.1, "HTTP 403 Forbidden: check it in a browser"),
    ]
    targets = [LinkTarget("https://a.org/dead", ("p1: links.code", "p2: links.code"))]
    day = datetime.date(2026, 11, 21)
    markdown = render_markdown_report(results, targets, LinkSettings(), day)
    assert markdown.startswith("# Link check, 2026-11-21\n\n4 links: 1 ok, 1 redirected, 1 slow, 1 blocked, 1 dead.\n")
    assert "| https://a.org/dead | HTTP 404 Not Found | p1: links.code; p2: links.code |" in markdown
    assert "| https://a.org/moved | https://a.org/new (moved permanently (301)) |  |" in markdown
    assert "## Slow (1): answered after more than 5 s" in markdown and "| https://a.org/slow | 7.2 |  |" in markdown
    document = json.loads(render_json_report(results, targets, LinkSettings(), day))
    assert document["summary"] == {"links": 4, "ok": 1, "redirected": 1, "blocked": 1, "dead": 1, "slow": 1}
    assert document["links"][0]["used_by"] == ["p1: links.code", "p2: links.code"]


def test__progress_bar_redraws_one_line():
    stream = io.StringIO()
    progress = TerminalProgress(stream, width=4)
    progress(1, 2)
    progress(2, 2)
    assert stream.getvalue() == "\rchecking links [##..] 1/2\rchecking links [####] 2/2\n"


def test__the_command_records_reports_and_exits_1_on_dead_links(server, catalog_dir, write_paper, tmp_path, capsys):
    route_all_kinds(server)
    paper = GOOD_PAPER.replace(
        "  code: https://github.com/MrGiovanni/ModelsGenesis",
        f"  code: {server.url('/live')}\n  project: {server.url('/moved')}\n"
        f"weights:\n  - url: {server.url('/gone')}\n    host: other",
    )
    write_paper("zhou2019-models-genesis", paper)
    arguments = ["links", "--timeout", "1", "--slow", "0.3", "--per-host-delay", "0"]
    assert main([*arguments, "--report-md", "report.md", "--report-json", "report.json"]) == 1
    out = capsys.readouterr().out
    assert f"dead: {server.url('/gone')}: HTTP 404 Not Found" in out
    assert out.splitlines()[-1] == "3 links: 1 ok, 1 redirected, 0 slow, 0 blocked, 1 dead"
    record = json.loads((catalog_dir / "link-status.json").read_text())
    assert record["links"][server.url("/gone")]["status"] == "dead"
    assert record["links"][server.url("/moved")]["final_url"] == server.url("/live")
    assert "zhou2019-models-genesis: weights[0]" in (tmp_path / "report.md").read_text()
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["dead"] == 1
    write_paper(
        "zhou2019-models-genesis",
        GOOD_PAPER.replace("https://github.com/MrGiovanni/ModelsGenesis", server.url("/live")),
    )
    assert main([*arguments, "--no-record"]) == 0
    assert json.loads((catalog_dir / "link-status.json").read_text()) == record  # --no-record left it alone
