"""`sync` against a local fake registry: a real HTTP server on 127.0.0.1 serving API v2
pages with nextPageToken, with scripted 503 and 429 answers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from app.models import Trial
from app.sync import RegistryClient, RegistryError, RetryPolicy, StudyQuery, parse_retry_after


class FakeRegistry:
    """Serves ``pages`` (lists of studies) chained by page tokens. ``failures`` maps a
    page number to the (status, headers) answers to give before the real page."""

    def __init__(self, pages: list[list[dict]], failures: dict[int, list[tuple[int, dict]]] | None = None):
        self.pages = pages
        self.failures = {k: list(v) for k, v in (failures or {}).items()}
        self.requests: list[dict[str, list[str]]] = []
        self.lock = threading.Lock()
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                registry.handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        if url.path != "/api/v2/studies":
            return self._send(request, 404, {"message": "not found"})
        params = parse_qs(url.query)
        with self.lock:
            self.requests.append(params)
            token = params.get("pageToken", ["tok-1"])[0]
            page = int(token.removeprefix("tok-"))
            queued = self.failures.get(page)
            failure = queued.pop(0) if queued else None
        if failure:
            status, headers = failure
            return self._send(request, status, {"message": "try later"}, headers)
        body = {"studies": self.pages[page - 1]}
        if page < len(self.pages):
            body["nextPageToken"] = f"tok-{page + 1}"
        self._send(request, 200, body)

    @staticmethod
    def _send(request, status: int, body: dict, headers: dict | None = None) -> None:
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(payload)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pages(make_study):
    return [
        [make_study("NCT00000001"), make_study("NCT00000002")],
        [make_study("NCT00000003"), {"protocolSection": {"identificationModule": {}}}],
        [make_study("NCT00000004")],
    ]


def test_sync_pages_through_the_registry_and_imports(run_cli, db_url, pages, session_factory_for):
    with FakeRegistry(pages, failures={2: [(503, {})]}) as registry:
        result = run_cli(
            ["sync", "--condition", "graft versus host disease", "--status", "RECRUITING,NOT_YET_RECRUITING", "--page-size", "2"],
            env={"DATABASE_URL": db_url, "CTGOV_BASE_URL": registry.base_url},
        )
    # One malformed study on page 2: named, the rest imported, exit code 1.
    assert result.exit_code == 1, result.output
    assert "page 2 #2" in result.output and "nctId" in result.output
    assert "4 inserted" in result.output
    first = registry.requests[0]
    assert first["query.cond"] == ["graft versus host disease"]
    assert first["filter.overallStatus"] == ["RECRUITING,NOT_YET_RECRUITING"]
    assert first["pageSize"] == ["2"] and "pageToken" not in first
    # page 2 was asked twice (503, then OK), page 3 once.
    assert [r.get("pageToken") for r in registry.requests] == [None, ["tok-2"], ["tok-2"], ["tok-3"]]
    with session_factory_for(db_url)() as session:
        assert set(session.scalars(select(Trial.nct_id))) == {f"NCT0000000{i}" for i in range(1, 5)}


def test_rate_limit_honours_retry_after(pages):
    waits: list[float] = []
    with FakeRegistry(pages, failures={1: [(429, {"Retry-After": "2"})]}) as registry:
        client = RegistryClient(
            registry.base_url, retry=RetryPolicy(max_retries=2, backoff_seconds=0.01, max_wait_seconds=30),
            sleep=waits.append,  # record the waits instead of sleeping through them
        )
        with client:
            studies = [r.payload for r in client.iter_records(StudyQuery(condition="x"))]
    assert waits == [2.0]
    assert len(studies) == 5


def test_retries_are_bounded_with_a_clear_message(pages):
    waits: list[float] = []
    with FakeRegistry(pages, failures={1: [(503, {})] * 10}) as registry:
        client = RegistryClient(
            registry.base_url, retry=RetryPolicy(max_retries=3, backoff_seconds=1, max_wait_seconds=60),
            sleep=waits.append,
        )
        with client, pytest.raises(RegistryError, match=r"gave up .* page 1 after 4 attempts \(last: HTTP 503\)"):
            list(client.iter_records(StudyQuery(condition="x")))
        assert len(registry.requests) == 4
    assert [round(w) for w in waits] == [1, 2, 4]  # exponential backoff


def test_network_errors_are_retried_then_reported():
    waits: list[float] = []
    # Nothing listens on this port: connection refused each time.
    client = RegistryClient("http://127.0.0.1:9", retry=RetryPolicy(max_retries=2, backoff_seconds=0.01), sleep=waits.append)
    with client, pytest.raises(RegistryError, match="network error"):
        list(client.iter_records(StudyQuery(condition="x")))
    assert len(waits) == 2


def test_client_errors_are_not_retried(pages):
    with FakeRegistry(pages, failures={1: [(400, {})]}) as registry:
        client = RegistryClient(registry.base_url, sleep=lambda s: None)
        with client, pytest.raises(RegistryError, match="HTTP 400"):
            list(client.iter_records(StudyQuery(condition="x")))
        assert len(registry.requests) == 1


def test_sync_failure_exits_non_zero_keeping_what_was_imported(run_cli, db_url, pages, session_factory_for):
    with FakeRegistry(pages, failures={3: [(503, {})] * 10}) as registry:
        result = run_cli(
            ["sync", "--condition", "gvhd"],
            env={"DATABASE_URL": db_url, "CTGOV_BASE_URL": registry.base_url, "ELIGO_HTTP_MAX_RETRIES": "1",
                 "ELIGO_IMPORT_BATCH_SIZE": "2"},
        )
    assert result.exit_code == 1 and "sync failed" in result.output and "page 3" in result.output
    with session_factory_for(db_url)() as session:
        assert len(set(session.scalars(select(Trial.nct_id)))) == 3  # pages 1-2 landed


def test_retry_after_forms():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
