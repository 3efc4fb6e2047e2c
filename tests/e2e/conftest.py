"""End-to-end fixtures: Debian's Chromium driven by Playwright against pytest-django's live_server.

- Chromium is Debian's (`/usr/bin/chromium`); Playwright never downloads a browser here. When it
  is missing every e2e test is SKIPPED with a reason saying so (`make test` prints it; CI installs
  chromium in `.ci/run`, so there they always run).
- axe-core comes from the npm registry (`package.json` + committed `package-lock.json`); a
  session fixture runs `npm ci` when `node_modules` is missing.
- The server is pytest-django's `live_server` on 127.0.0.1 (transactional database), and the
  settings naming our own URL (SITE_URL, issuers...) point at it, so server-to-server calls
  (our FranceConnect client -> simulator, demo site -> our identity provider) reach it.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e import a11y
from tests.e2e.desk import Desk

CHROMIUM = Path("/usr/bin/chromium")
E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS = E2E_DIR / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# Settings whose value is a URL on our own site; each is moved to the live server's origin.
OWN_URL_SETTINGS = ("SITE_URL", "FRANCECONNECT_ISSUER", "OIDC_ISSUER")
SKIP_NO_CHROMIUM = (
    "tests e2e NON exécutés : Chromium absent (/usr/bin/chromium). "
    "Installez-le : apt-get install chromium (la CI l'installe via .ci/run).")

# The live server must listen on loopback only (team rule: no traffic beyond 127.0.0.1).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return SKIP_NO_CHROMIUM
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "tests e2e NON exécutés : le paquet Python playwright n'est pas installé."
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None or os.environ.get("CI"):
        # Under CI a missing browser must fail the run (the `browser` fixture says why), not skip.
        return
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter):
    # -ra already lists skip reasons; this one line makes the e2e case impossible to miss.
    reason = _skip_reason()
    if reason and any(
            "tests/e2e/" in getattr(rep, "nodeid", "")
            for rep in terminalreporter.stats.get("skipped", [])):
        terminalreporter.write_line(f"ATTENTION : {reason}", yellow=True, bold=True)


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the e2e package, closed when the package is done.

    Playwright's sync API runs an asyncio loop on the main thread, so Django believes it is in
    async code and refuses ORM calls from the test (SynchronousOnlyOperation). The test code
    never runs concurrently with that loop (Playwright blocks while it works), so allowing it is
    safe here; the flag is set for this package only and removed after the browser is closed.
    """
    reason = _skip_reason()
    if reason:
        pytest.fail(f"CI: {reason}")
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: a loaded CI machine renders a PDF in seconds.
    expect.set_options(timeout=15_000)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """Path of axe.min.js, installed from package-lock.json with `npm ci` if needed."""
    script = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return script
    npm = shutil.which("npm")
    if npm is None:
        reason = ("tests e2e NON exécutés : npm absent, impossible d'installer axe-core "
                  "(apt-get install npm, ou lancez `npm ci` dans tests/e2e).")
        if os.environ.get("CI"):
            pytest.fail(f"CI: {reason}")
        pytest.skip(reason)
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=E2E_DIR, capture_output=True, text=True,
        timeout=300, check=False)
    if result.returncode != 0 or not script.exists():
        pytest.fail(f"`npm ci` failed in {E2E_DIR}:\n{result.stdout}\n{result.stderr}")
    return script


@pytest.fixture
def site_url(live_server, settings) -> str:
    """The live server's origin, with every own-URL setting moved onto it for this test.

    Code must read these settings at call time (not copy them into module constants) for the
    override to reach the server thread, which shares this process's settings.
    """
    from django.core.cache import cache

    from audit.testing import allow_test_flush

    # The journal's append-only triggers refuse the flush that ends a transactional test.
    allow_test_flush()
    # Provider metadata and JWKS are cached by URL; keys live in the database, which is
    # flushed between tests while the live server (and its URL) lasts the whole session.
    cache.clear()
    origin = live_server.url.rstrip("/")
    old_site = settings.SITE_URL.rstrip("/")
    for name in OWN_URL_SETTINGS:
        value = getattr(settings, name, None)
        if isinstance(value, str) and value.startswith(old_site):
            setattr(settings, name, origin + value[len(old_site):])
    settings.SITE_URL = origin
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    return origin


CONTEXT_OPTIONS = {
    "locale": "fr-FR", "accept_downloads": True, "viewport": {"width": 1280, "height": 900},
    # Our Content-Security-Policy only allows scripts from our own origin, so the browser would
    # refuse the axe-core script Playwright injects into each page. Bypassing CSP in the test
    # browser changes nothing the application does; the CSP header itself is still sent (and
    # asserted by the Django tests).
    "bypass_csp": True,
}


@pytest.fixture
def context(browser, site_url):
    """A fresh browser profile (cookies, downloads): one person at one desk."""
    ctx = browser.new_context(base_url=site_url, **CONTEXT_OPTIONS)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def auditor(request, axe_script) -> a11y.Auditor:
    return a11y.Auditor(axe_script, SCREENSHOTS / "axe", _slug(request.node.name))


@pytest.fixture
def shots(request) -> Path:
    folder = SCREENSHOTS / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def desk(page, site_url, shots, auditor) -> Desk:
    """Screenshots, axe-core and page checks for one test; see tests/e2e/desk.py."""
    return Desk(page=page, base_url=site_url, shots=shots, auditor=auditor)


@pytest.fixture
def new_desk(browser, site_url, shots, auditor):
    """Open another person's browser (own cookies); steps are numbered across all of them."""
    contexts = []
    steps: list[str] = []

    def open_desk(*, keyboard_only: bool = False) -> Desk:
        ctx = browser.new_context(base_url=site_url, **CONTEXT_OPTIONS)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return Desk(page=ctx.new_page(), base_url=site_url, shots=shots, auditor=auditor,
                    keyboard_only=keyboard_only, steps=steps)

    yield open_desk
    for ctx in contexts:
        ctx.close()


def _slug(name: str) -> str:
    return name.replace("[", "-").replace("]", "")
