"""Fetch studies from the ClinicalTrials.gov API v2 (``/api/v2/studies``) page by page.

Network errors, HTTP 429 and 5xx are retried a bounded number of times with exponential
backoff; a ``Retry-After`` header is honoured (capped). Anything else, or running out of
retries, raises ``RegistryError`` with a message that says what was asked and what came
back. Each study is handed to the importer as a ``SourceRecord`` ("page 2 #15").
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import httpx

from app import __version__
from app.sources import SourceRecord

log = logging.getLogger(__name__)

STUDIES_PATH = "/api/v2/studies"
RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class RegistryError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 5
    backoff_seconds: float = 1.0
    max_wait_seconds: float = 60.0

    def wait_for(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_wait_seconds)
        # Exponential backoff with a little jitter so parallel clients do not align.
        base = self.backoff_seconds * 2 ** (attempt - 1)
        return min(base * (1 + random.uniform(0, 0.1)), self.max_wait_seconds)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (now if now is not None else time.time()), 0.0)


@dataclass(frozen=True, slots=True)
class StudyQuery:
    condition: str | None = None
    statuses: tuple[str, ...] = ()
    page_size: int = 100
    max_studies: int | None = None

    def params(self) -> dict[str, str]:
        params = {"format": "json", "pageSize": str(self.page_size)}
        if self.condition:
            params["query.cond"] = self.condition
        if self.statuses:
            params["filter.overallStatus"] = ",".join(s.upper() for s in self.statuses)
        return params

    def describe(self) -> str:
        parts = [f"condition={self.condition!r}"] if self.condition else []
        if self.statuses:
            parts.append("status=" + ",".join(self.statuses))
        return " ".join(parts) or "all studies"


class RegistryClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.sleep = sleep
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers={"User-Agent": f"eligo/{__version__}", "Accept": "application/json"},
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get_page(self, params: dict[str, str], page_number: int) -> dict:
        url = f"{self.base_url}{STUDIES_PATH}"
        last_problem = ""
        for attempt in range(self.retry.max_retries + 1):
            retry_after = None
            try:
                response = self.http.get(STUDIES_PATH, params=params)
            except httpx.TransportError as error:
                last_problem = f"network error: {type(error).__name__}: {error}"
            else:
                if response.status_code == 200:
                    return _page_json(response, url, page_number)
                if response.status_code not in RETRYABLE_STATUS:
                    raise RegistryError(
                        f"{url} answered HTTP {response.status_code} for page {page_number}: "
                        f"{response.text[:300].strip()}"
                    )
                last_problem = f"HTTP {response.status_code}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt == self.retry.max_retries:
                break
            wait = self.retry.wait_for(attempt + 1, retry_after)
            log.warning(
                "registry page %s: %s; retry %s/%s in %.1fs",
                page_number, last_problem, attempt + 1, self.retry.max_retries, wait,
            )
            self.sleep(wait)
        raise RegistryError(
            f"gave up on {url} page {page_number} after {self.retry.max_retries + 1} attempts "
            f"(last: {last_problem}). Check the network or CTGOV_BASE_URL and try again; "
            "studies already imported are kept."
        )

    def iter_pages(self, query: StudyQuery) -> Iterator[list]:
        params = query.params()
        page_number = 1
        while True:
            page = self.get_page(params, page_number)
            studies = page.get("studies")
            if not isinstance(studies, list):
                raise RegistryError(f"page {page_number} has no 'studies' list")
            yield studies
            token = page.get("nextPageToken")
            if not token:
                return
            params = {**params, "pageToken": str(token)}
            page_number += 1

    def iter_records(self, query: StudyQuery) -> Iterator[SourceRecord]:
        count = 0
        for page_number, studies in enumerate(self.iter_pages(query), start=1):
            for index, study in enumerate(studies, start=1):
                if query.max_studies is not None and count >= query.max_studies:
                    return
                count += 1
                yield SourceRecord(f"page {page_number} #{index}", study)


def _page_json(response: httpx.Response, url: str, page_number: int) -> dict:
    try:
        page = response.json()
    except ValueError:
        raise RegistryError(f"{url} page {page_number} is not JSON") from None
    if not isinstance(page, dict):
        raise RegistryError(f"{url} page {page_number} is not a JSON object")
    return page


def statuses_of(values: Sequence[str]) -> tuple[str, ...]:
    """CLI convenience: --status RECRUITING --status NOT_YET_RECRUITING or comma lists."""
    return tuple(s.strip().upper() for value in values for s in value.split(",") if s.strip())
