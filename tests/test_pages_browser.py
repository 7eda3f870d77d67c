"""The pages in a real browser: Debian's headless Chromium driven by Playwright, against the
real app served by uvicorn on 127.0.0.1 with a fresh SQLite file and the demo trials.

- a patient completes the questionnaire and sees NCT06599346 with its reasons, answers a
  question or two, changes an answer and sees the list change;
- a clinician screens a profile and opens the printable view of one trial;
- a bad value is shown next to its field, in words;
- axe-core (from the npm registry, injected into the page) finds no serious or critical
  accessibility violations;
- screenshots of every page at phone and desktop width go to ``artifacts/screenshots/``.

Skipped only when ``/usr/bin/chromium`` is missing. Playwright's own browser downloads are
never used.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_VERSION = "4.11.0"
AXE_PREFIX = REPO_ROOT / ".cache" / "axe"
AXE_SCRIPT = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TRIAL = "NCT06599346"

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


# --- the app, served for real ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    """The real app under uvicorn on a random free port, a fresh SQLite file, demo trials."""
    database = tmp_path_factory.mktemp("pages") / "eligo.db"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "ELIGO_LOAD_DEMO": "true"}
    log = (tmp_path_factory.mktemp("uvicorn") / "uvicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def screenshots(page: Page, name: str) -> None:
    """Full-page screenshots of the current page at phone and desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


# --- axe-core ----------------------------------------------------------------------------------


def ensure_axe() -> Path | None:
    """axe.min.js from the npm registry (``.ci/run`` installs it); installed here when missing
    and npm is present. A lock keeps parallel test workers from installing it twice."""
    if AXE_SCRIPT.exists():
        return AXE_SCRIPT
    npm = shutil.which("npm")
    if npm is None:
        return None
    AXE_PREFIX.mkdir(parents=True, exist_ok=True)
    with open(AXE_PREFIX.parent / "axe.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE_SCRIPT.exists():
            subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(AXE_PREFIX),
                            f"axe-core@{AXE_VERSION}"], check=False, timeout=300,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return AXE_SCRIPT if AXE_SCRIPT.exists() else None


@pytest.fixture(scope="module")
def axe_script() -> Path:
    found = ensure_axe()
    if found is None:
        pytest.skip(f"axe-core not found at {AXE_SCRIPT} and npm could not install it")
    return found


def serious_violations(page: Page, axe_script: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"] if v["impact"] in ("serious", "critical")
    ]


# --- flows ---------------------------------------------------------------------------------------


def fill_patient_basics(page: Page, age: str = "45") -> None:
    page.goto("/")
    page.get_by_label("Your age in years").fill(age)
    page.get_by_label("Female").check()
    page.get_by_label("Your main condition, in your own words").fill("oral mucositis after stem cell transplant")
    page.get_by_label("City or town").fill("Chengdu")
    page.get_by_label("Country").fill("China")
    page.get_by_role("button", name="Show trials").click()


def answer_next_question(page: Page) -> str | None:
    """Answer the question on the page: yes to a transplant question, else "I don't know"."""
    box = page.locator(".next-question")
    if box.count() == 0:
        return None
    question = box.locator("legend, label").first.inner_text()
    if "transplant" in question.lower() and box.get_by_label("Yes", exact=True).count():
        box.get_by_label("Yes", exact=True).check()
        box.get_by_role("button", name="Save answer").click()
    else:
        box.get_by_role("button", name="I don't know").click()
    return question


def test_patient_completes_questionnaire_and_sees_the_trial_with_reasons(page: Page):
    page.goto("/")
    expect(page.get_by_text("nothing you enter is stored on our server", exact=False).first).to_be_visible()
    screenshots(page, "patient-start")

    fill_patient_basics(page)
    card = page.locator(f"article[data-nct='{TRIAL}']")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name="Why it may fit")).to_be_visible()
    expect(card).to_contain_text("45 years old")
    expect(card).to_contain_text("Nearest study site")
    expect(card.get_by_role("link", name=f"Registry page for {TRIAL}")).to_have_attribute(
        "href", f"https://clinicaltrials.gov/study/{TRIAL}")

    asked = []
    for _ in range(2):
        question = answer_next_question(page)
        if question is None:
            break
        asked.append(question)
        expect(page.locator(f"article[data-nct='{TRIAL}']")).to_have_count(1)
    # an answered question is not asked again; it is listed under "Change your answers"
    for question in asked:
        expect(page.locator(".next-question legend", has_text=question)).to_have_count(0)
    if asked:
        expect(page.locator(".change")).to_contain_text(asked[0])
    screenshots(page, "patient-results")

    # change an answer: at 15 the trial's age limit (18+) takes it off the list
    change = page.locator(".change form")
    change.get_by_label("Your age in years").fill("15")
    change.get_by_role("button", name="Update the list").click()
    expect(page.get_by_role("heading", name="Trials that may suit you")).to_be_visible()
    expect(page.locator(f"article[data-nct='{TRIAL}']")).to_have_count(0)


def test_clinician_screens_a_profile_and_opens_the_printable_view(page: Page):
    page.goto("/screen")
    screenshots(page, "screen-form")
    form = page.locator("form.screen-form")
    form.get_by_label("Age (years)").fill("45")
    form.get_by_label("Sex", exact=True).select_option("female")
    form.get_by_label("Condition 1", exact=True).fill("oral mucositis")
    form.get_by_label("Procedure 1 type").select_option("hsct")
    form.get_by_label("Procedure 1 subtype").select_option("allogeneic")
    form.get_by_label("Procedure 1 date").fill("2024-05-01")
    form.get_by_label("City").fill("Chengdu")
    form.get_by_label("Country").fill("China")
    form.get_by_role("button", name="Screen trials").click()

    section = page.locator(f"section[data-nct='{TRIAL}']")
    expect(section).to_be_visible()
    table = section.locator("table.criteria")
    expect(table.get_by_role("columnheader", name="Outcome")).to_be_visible()
    expect(table).to_contain_text("Patients who have undergone hematopoietic stem cell transplantation")
    expect(table.locator("td.outcome").first).to_contain_text("Met")
    screenshots(page, "screen-results")

    section.get_by_role("button", name=f"Printable view of {TRIAL}").click()
    expect(page).to_have_url(f"{page.url.split('/screen')[0]}/screen/trials/{TRIAL}/print")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Eligibility screening: {TRIAL}")
    expect(page.locator("table.criteria")).to_contain_text("hematopoietic stem cell transplantation")
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    screenshots(page, "screen-print")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this page")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "screen-print-paper.png"), full_page=True)
    page.emulate_media(media="screen")


@pytest.mark.parametrize("bad", ["-5", "abc"])
def test_a_bad_value_is_shown_next_to_its_field(page: Page, bad: str):
    page.goto("/")
    page.get_by_label("Your age in years").fill(bad)
    page.get_by_role("button", name="Show trials").click()
    field = page.locator(".field", has=page.locator("#f-age"))
    error = field.locator(".field-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("at least 0" if bad == "-5" else "enter a number")
    expect(page.locator("#f-age")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-age")).to_have_value(bad)  # what they typed is kept
    if bad == "abc":
        screenshots(page, "patient-error")

    page.goto("/screen")
    page.locator("form.screen-form").get_by_label("Age (years)").fill(bad)
    page.get_by_role("button", name="Screen trials").click()
    expect(page.locator(".field", has=page.locator("#f-age")).locator(".field-error")).to_be_visible()


def test_trial_page_shows_the_record_and_its_rules(page: Page):
    page.goto(f"/trials/{TRIAL}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mesenchymal Stem Cell Supernatant")
    expect(page.get_by_role("heading", name="Eligibility rules, as Eligo reads them")).to_be_visible()
    expect(page.get_by_role("heading", name="Criteria Eligo could not understand")).to_be_visible()
    screenshots(page, "trial")
    page.goto("/trials/NCT99999999")
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    screenshots(page, "not-found")


def test_no_serious_or_critical_accessibility_violations(page: Page, axe_script: Path):
    found = {}
    page.goto("/")
    found["/"] = serious_violations(page, axe_script)

    fill_patient_basics(page)
    expect(page.locator(f"article[data-nct='{TRIAL}']")).to_be_visible()
    found["/ (results)"] = serious_violations(page, axe_script)

    page.goto("/screen")
    form = page.locator("form.screen-form")
    form.get_by_label("Age (years)").fill("45")
    form.get_by_label("Condition 1", exact=True).fill("oral mucositis")
    form.get_by_label("Procedure 1 type").select_option("hsct")
    form.get_by_role("button", name="Screen trials").click()
    expect(page.locator(f"section[data-nct='{TRIAL}']")).to_be_visible()
    found["/screen (results)"] = serious_violations(page, axe_script)

    page.goto(f"/trials/{TRIAL}")
    found[f"/trials/{TRIAL}"] = serious_violations(page, axe_script)

    assert all(not v for v in found.values()), json.dumps(found, indent=1)
