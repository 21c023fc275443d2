"""JupyterLab in a real browser, as a new user meets it: `praks lab`, each notebook opened and run.

Playwright drives Debian's Chromium (``apt-get install -y chromium``; Playwright never downloads a
browser here) against `praks lab` on loopback, on a copy of the project and a fresh emulator state,
at 1366 × 900 with the file browser open. Each notebook must open clean (no unsaved marker, no
widget shown as its Python repr), run without an error output, and show no table wider than the
notebook; 00's form must react to an overlapping spoke (messages next to the fields, a new diagram,
a FAIL verdict) and recover with its suggested fixes; 07 must PASS; 99 without confirmation must
delete nothing. Screenshots go to runs/browser/ (git-ignored) for a person to look at.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright import sync_api as playwright  # the Python package; the browser is the system's

from praks_lib.cloud import connect
from praks_lib.params import load_deployment

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PRAKS_CHROMIUM", "/usr/bin/chromium"))
SHOTS = ROOT / "runs" / "browser"
NOTEBOOKS = ["00_plan", "01_network", "02_firewall", "03_egress_route", "04_private_aks", "05_private_access",
             "06_monitoring", "07_validate", "99_teardown"]
CELL_SECONDS = 300  # a whole notebook runs in seconds offline; this only bounds a hang
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
# A new user's JupyterLab, minus what would get in a test's way: the news question, lazy cell
# rendering (cells off screen would not be measured) and autosave (the copy is thrown away anyway).
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}

if not CHROMIUM.exists():
    if os.environ.get("PRAKS_BROWSER_TEST") == "required":  # .ci/run installs it: missing is a failure there
        raise RuntimeError(f"no Chromium at {CHROMIUM}, and PRAKS_BROWSER_TEST is required")
    pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set PRAKS_CHROMIUM)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`praks lab` on a copy of the project with a fresh emulator state; yields (base URL, token, state)."""
    home = tmp_path_factory.mktemp("lab")
    project, state = home / "project", home / "state"
    for folder in ("notebooks", "parameters"):
        shutil.copytree(ROOT / folder, project / folder)
    settings = home / "settings"
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               PRAKS_PROJECT=str(project))
    praks = Path(sys.executable).with_name("praks")
    command = [str(praks)] if praks.exists() else [sys.executable, "-m", "praks_lib.cli"]
    server = subprocess.Popen([*command, "lab", "--no-browser", "--port", "8950", "--state-dir", str(state)],
                              cwd=project / "notebooks", env=env, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    url = ""
    stop = time.monotonic() + 180
    while time.monotonic() < stop and not url:
        line = server.stdout.readline()
        if not line and server.poll() is not None:
            break
        url = line.removeprefix("Open: ").strip() if line.startswith("Open: ") else ""
    assert url, f"praks lab printed no URL (exit code {server.poll()})"
    base, token = url.split("/lab/")[0], url.split("token=")[1]
    yield base, token, state
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)


@pytest.fixture(scope="module")
def page(lab):
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        view = browser.new_page(viewport={"width": 1366, "height": 900})
        yield view
        browser.close()


def _api(lab, path: str, method: str = "GET"):
    base, token, _ = lab
    request = urllib.request.Request(f"{base}{path}?token={token}", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def _shut_down_kernels(lab) -> None:
    for session in _api(lab, "/api/sessions"):
        _api(lab, f"/api/sessions/{session['id']}", "DELETE")


def _open(page, lab, name: str) -> None:
    base, token, _ = lab
    page.goto(f"{base}/lab/tree/{name}.ipynb?reset&token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    page.wait_for_timeout(1500)  # the kernel's info reply updates the notebook's metadata, if it is going to


def _run_all(page) -> None:
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='busy']", timeout=30_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=CELL_SECONDS * 1000)
    page.wait_for_function("() => ![...document.querySelectorAll('.jp-InputPrompt')]"
                           ".some(p => p.textContent.includes('*'))", timeout=CELL_SECONDS * 1000)
    page.wait_for_timeout(500)


def _outputs_text(page) -> list[str]:
    return page.locator(".jp-OutputArea-output").all_inner_texts()


def _too_wide(page) -> list[dict]:
    """Tables wider than the output area they are in (what would scroll sideways)."""
    return page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output table')].map(t => {
        const area = t.closest('.jp-OutputArea-output');
        return {width: t.getBoundingClientRect().width, area: area.clientWidth,
                head: t.querySelector('th') ? t.querySelector('th').textContent : ''};
    }).filter(t => t.width > t.area + 1)""")


def _shoot(page, name: str) -> None:
    """The notebook from top to bottom, a screenful at a time, and each output that holds a table, a
    form or a diagram on its own."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-last-screen.png"))
    outputs = page.locator(".jp-OutputArea-output")
    for index in range(outputs.count()):
        output = outputs.nth(index)
        box = output.bounding_box()
        if not box or box["height"] <= 4 or not output.locator("table, img, .jupyter-widgets, details, pre").count():
            continue
        if box["height"] > 760:  # taller than the notebook's area: make the window taller for this picture
            page.set_viewport_size({"width": 1366, "height": int(box["height"]) + 200})
        output.screenshot(path=str(SHOTS / f"{name}-output-{index:02d}.png"))
        page.set_viewport_size({"width": 1366, "height": 900})


def _shrunk_images(page) -> list[dict]:
    """Diagrams JupyterLab shows smaller than they are drawn (their text then drops below the 10 px drawn)."""
    return page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output img')].map(i => ({
        natural: i.naturalWidth, shown: i.getBoundingClientRect().width})).filter(i => i.shown < 0.9 * i.natural)""")


def _widget_field(page, label: str):
    return page.locator(".widget-text, .widget-combobox").filter(has=page.locator(f"label:text-is('{label}')"))


def _message_next_to(page, label: str) -> str:
    return page.evaluate("""label => {
        const box = [...document.querySelectorAll('.widget-label')].find(l => l.textContent === label)
            .closest('.widget-vbox');
        return box.querySelector('.widget-html-content').textContent;
    }""", label)


def _last_output_of(page, source_fragment: str):
    cell = page.locator(".jp-CodeCell").filter(has_text=source_fragment).last
    return cell.locator(".jp-OutputArea-output").last


def _until(read, wanted, seconds: float = 60) -> str:
    """Poll `read()` (a follower's output is replaced when it is drawn again) until `wanted(value)`."""
    stop, value = time.monotonic() + seconds, ""
    while time.monotonic() < stop:
        value = read()
        if wanted(value):
            return value
        time.sleep(0.25)
    raise AssertionError(f"still {value[:300]!r} after {seconds} s")


def _form_scenario(page) -> None:
    """Issue 12: an overlapping spoke → messages next to the fields, the diagram and the verdict change."""
    def diagram():
        return _last_output_of(page, "form.follow(network_of)")

    def verdict():
        return _last_output_of(page, "form.follow(verdict_of)")

    before = diagram().locator("img").get_attribute("src")
    assert verdict().inner_text().startswith("PASS"), verdict().inner_text()
    spoke = _widget_field(page, "spoke address space").locator("input")
    spoke.click()
    spoke.fill("10.0.0.0/22")
    _until(lambda: verdict().inner_text(), lambda text: "FAIL" in text)
    assert "overlap" in _message_next_to(page, "spoke address space")
    assert "follows from network.spoke.address_space" in _message_next_to(page, "AKS subnet")
    _until(lambda: diagram().locator("img").get_attribute("src") or "", lambda src: src != before)
    page.locator(".jupyter-widgets").filter(has_text="deployment name").first.screenshot(
        path=str(SHOTS / "00_plan-form-overlap.png"))
    diagram().screenshot(path=str(SHOTS / "00_plan-diagram-overlap.png"))
    verdict().screenshot(path=str(SHOTS / "00_plan-verdict-overlap.png"))
    page.get_by_role("button", name="apply the suggested fixes").click()
    _until(lambda: verdict().inner_text(), lambda text: text.startswith("PASS"))
    assert spoke.input_value() == "10.0.4.0/22"


def test_every_notebook_opens_clean_runs_and_reads_at_1366_px(lab, page):
    started = time.monotonic()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        _open(page, lab, name)
        tab = page.locator(".lm-TabBar-tab[data-type='document-title'].jp-mod-current")
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), f"{name} opens marked unsaved"
        shown = _outputs_text(page)
        assert not [t for t in shown if "children=(" in t or t.startswith(("ParameterForm(", "HTML(", "VBox("))], name
        page.screenshot(path=str(SHOTS / f"{name}-opened.png"))
        _run_all(page)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, f"{name}: {errors.all_inner_texts()}"
        assert not [t for t in _outputs_text(page) if "children=(" in t], name
        assert _too_wide(page) == [], name
        assert _shrunk_images(page) == [], name
        _shoot(page, name)
        if name == "00_plan":
            _form_scenario(page)
        if name == "07_validate":
            assert _last_output_of(page, "validation_verdict(table, dep)").inner_text().startswith("PASS: ")
        if name == "99_teardown":
            assert any("Nothing deleted" in t for t in _outputs_text(page))
        _shut_down_kernels(lab)
    _, _, state = lab
    groups = {g.name for g in connect(load_deployment(), state_dir=state).resource.resource_groups.list()}
    assert {"dzpraks1_networks", "dzpraks1_kube"} <= groups, "99_teardown without confirmation deleted something"
    print(f"browser test: {len(NOTEBOOKS)} notebooks opened and run in {time.monotonic() - started:.0f} s")
