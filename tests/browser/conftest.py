"""Playwright fixtures for the browser tests: Debian's Chromium, one fresh browser context per test.

Run: .venv/bin/python -m pytest tests/browser   (server at $SETRAG_BASE_URL, default http://127.0.0.1:18080)
Never `playwright install`: the browser is /usr/bin/chromium from Debian.
"""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A slow CI machine and a cold server: give the page time, but fail rather than hang.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def base_url() -> str:
    return os.environ.get("SETRAG_BASE_URL", "http://127.0.0.1:18080").rstrip("/")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, base_url):
    """Makes fresh browser contexts (no cookies, no storage, no service worker); closes them after the test.

    The browser's own language is English on purpose: the app must start in French regardless.
    """
    contexts = []

    def make(**options):
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1024, "height": 768})
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request):
    """screenshot(page, suffix="") saves artifacts/<test name><suffix>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def shoot(page, suffix: str = "") -> Path:
        name = re.sub(r"[^\w.-]+", "_", request.node.name) + suffix
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture
def page(new_context, screenshot):
    """A page in a fresh context; its final state is saved as a screenshot, pass or fail."""
    page = new_context().new_page()
    yield page
    try:
        screenshot(page)
    except Exception as error:  # a screenshot must never hide the test's own failure
        print(f"screenshot failed: {error}")


@pytest.fixture(scope="session")
def states(browser, base_url):
    """A demo account's signed-in state, made once for the whole run (the gateway limits sign-ins per address):
    `states(AGENT)`."""
    from staff_support import signed_in_state

    made = {}

    def state(username: str) -> dict:
        if username not in made:
            made[username] = signed_in_state(browser, base_url, username)
        return made[username]

    return state
