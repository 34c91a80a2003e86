"""Widgets in marimo (anywidget's support, ``mo.ui.anywidget``): an app file written here, served by
``marimo run`` (one server for the module), driven by keyboard and mouse in headless Chromium.

``marimo run`` builds the widgets in its own process for each page, so Python's side is checked
here from the store they write (the test folder's SQLite file), through the same widgets' API
(``boxes.boxes``, ``masks.masks``, ``dash.relabels``) rebuilt on that file. The gestures are
tests/browser/hosts.py's, shared with the Notebook 7 test. marimo's display theme is "system", so
the page's prefers-color-scheme turns marimo (and with it the widgets' fallback colours) light or dark.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hitl_widgets.testing.marimo import app_url, marimo_server, write_app

from . import hosts
from .conftest import ARTIFACTS
from .test_dark_theme_lab import COLOURS
from .test_dark_theme_lab import SETUP as THEME_SETUP
from .test_dark_theme_lab import WIDGETS as THEMED

pytestmark = [pytest.mark.browser, pytest.mark.marimo]

DASHBOARDS = """
import numpy as np, pandas as pd, hitl_widgets as hw
rng = np.random.default_rng(0)
truth = rng.integers(0, 3, 60)
answers = [np.where(rng.random(60) < acc, truth, rng.integers(0, 3, 60)) for acc in (0.95, 0.9, 0.4)]
rows = [(i, a, ["x", "y", "z"][int(v)]) for a, lab in zip(("ann", "bob", "poor"), answers) for i, v in enumerate(lab)]
store = hw.AnnotationStore(DB)
agree = hw.AgreementDashboard(pd.DataFrame(rows, columns=["item", "annotator", "label"]), task="pets", store=store, n_boot=50)
pred = np.where(rng.random(60) < 0.8, truth, (truth + 1) % 3)
audit = hw.BiasAudit(truth, pred, pd.DataFrame({"site": np.repeat(["a", "b", "c"], 20)}), metrics=("accuracy",),
                     store=store, items=rng.integers(0, 255, (60, 24, 24), dtype=np.uint8), task="bias", min_group_size=5)
"""


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory):
    """One marimo server on a folder of three apps: widgets.py (the four driven widgets, one store
    file), themes.py (every widget of the package, for the theme test) and dashboards.py (the
    two dashboards that are ipywidgets boxes, shown by their _display_)."""
    folder = tmp_path_factory.mktemp("marimo")
    db = folder / "store.db"
    hosts.marimo_app(folder / "widgets.py", db)
    themed = list(THEMED.values())
    write_app(folder / "themes.py", [
        f"import marimo as mo\n_ns = {{}}\nexec({THEME_SETUP!r}, _ns)\nthemed = [eval(_c, _ns) for _c in {themed!r}]",
        # the dashboards that are ipywidgets boxes show through their _display_ (marimo's protocol)
        "mo.vstack([_w if hasattr(_w, '_display_') else mo.ui.anywidget(_w) for _w in themed])",
    ])
    write_app(folder / "dashboards.py", [f"DB = {str(db)!r}\n{DASHBOARDS}", "agree", "audit"])
    with marimo_server(folder, env={"HITL_ANNOTATOR": "tester"}, theme="system") as url:
        yield url, db


@pytest.fixture
def check(marimo_app, monkeypatch):
    """Poll a Python expression over the widgets, rebuilt here on the app's store file."""
    monkeypatch.setenv("HITL_ANNOTATOR", "tester")
    return hosts.store_check(marimo_app[1])


def open_app(page, url: str, name: str) -> None:
    page.goto(app_url(url, "widgets.py"))
    hosts.ready(page, name)
    # marimo renders each anywidget in its own shadow root (Playwright's CSS locators go through it)
    assert page.evaluate("() => document.querySelector('marimo-anywidget')?.shadowRoot?.querySelector('.hitl-root') != null")


GESTURES = {"classify": hosts.classify_by_key, "boxes": hosts.box_by_drag, "masks": hosts.mask_by_stroke,
            "dash": hosts.relabel_by_keyboard}


@pytest.mark.parametrize("name", GESTURES)
def test_widget_in_marimo(page, marimo_app, check, name):
    url, _ = marimo_app
    open_app(page, url, name)
    GESTURES[name](page, check)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_fallbacks_follow_marimo(page, marimo_app, scheme):
    """Outside JupyterLab (no --jp-* variables) every widget takes theme.css's fallbacks: light or
    dark as marimo is, readable either way."""
    url, _ = marimo_app
    page.emulate_media(color_scheme=scheme)
    page.goto(app_url(url, "themes.py"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bdark\b") if scheme == "dark" else re.compile(r"^(?!.*\bdark\b)"))
    classes = list(THEMED)
    for cls in classes:
        expect(page.locator(f".hitl-root.{cls}").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(500)  # first items and charts land
    for cls in classes:
        root = page.locator(f".hitl-root.{cls}").first
        assert root.evaluate("(el) => getComputedStyle(el).getPropertyValue('--jp-layout-color1')") == ""  # no JupyterLab here
        assert root.get_attribute("data-hitl-theme") == scheme, cls
        c = root.evaluate(COLOURS)
        surface, text = sum(c["background"]) / 3, sum(c["colour"]) / 3
        if scheme == "dark":
            assert surface < 100 and text > 150, (cls, c)
        else:
            assert surface > 200 and text < 100, (cls, c)
        assert c["count"] > 0, (cls, c)
        assert c["worst"] >= 3.0, (cls, c)  # every button and header text readable (WCAG large-text 3:1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"marimo-{scheme}.png"), full_page=True)


def test_box_dashboards_in_marimo(page, marimo_app, monkeypatch):
    """AgreementDashboard and BiasAudit (ipywidgets boxes) show their live parts in marimo; an
    adjudication made there by keyboard lands in the store."""
    url, db = marimo_app
    monkeypatch.setenv("HITL_ANNOTATOR", "tester")

    def rebuilt() -> dict:
        ns: dict = {"DB": str(db)}
        exec(DASHBOARDS, ns)
        return ns

    second = rebuilt()["agree"].queue["item_id"].iloc[1]
    page.goto(app_url(url, "dashboards.py"))
    root = page.locator(".hitl-agreement")
    expect(root.locator(".hitl-queue-row").first).to_be_visible(timeout=60_000)
    expect(page.locator(".hitl-bias .hitl-title")).to_be_visible()  # the live table, not the static card
    expect(page.get_by_text("static view: run the notebook")).to_have_count(0)
    hosts.focus(root)
    page.keyboard.press("j")  # the second most disputed item
    expect(root.locator(".hitl-queue-row").nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("a")  # adjudicate: the ClassifyWidget below takes the keys (across shadow roots)
    classify = page.locator(".hitl-classify")
    page.wait_for_function("() => document.activeElement?.shadowRoot?.activeElement?.classList.contains('hitl-classify')")
    expect(classify.locator(".hitl-position")).to_contain_text("item 2 / ")
    page.keyboard.press("2")  # class "y"
    hosts.poll(rebuilt, "agree.adjudicated[['item_id', 'annotator', 'label']].values.tolist()", [[second, "adjudicator", "y"]])
    expect(root.locator(".hitl-queue-row").nth(1).locator("td").nth(3)).to_have_text("y")
