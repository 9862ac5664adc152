"""The dashboard in headless Chromium (selenium + chromium-driver) against a live qrew-web.

Run by DashboardBrowserTests (Swift) with the server's URL and the ids of the runs it submitted;
prints one JSON line with what it measured and exits non-zero on the first failed check.
"""
import argparse
import json
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def browser(width=1400, height=900):
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, condition, what, timeout=30):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d))
    except Exception as error:  # a clear message instead of a bare TimeoutException
        raise AssertionError(f"timed out after {timeout}s waiting for {what}: {error!r}") from None


def text(driver, element_id):
    """An element's text read in the page (the panel is redrawn as events come: no stale handles)."""
    return driver.execute_script("return document.getElementById(arguments[0])?.textContent || ''", element_id)


def node_states(driver):
    return driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#dag .node')].map(n => [n.dataset.key, n.dataset.state]))")


def live_run(driver, base, run, release_file):
    """A running run's page: states change without a reload; a task's output shows; cancel works."""
    driver.get(f"{base}/#/runs/{run}")
    wait(driver, lambda d: d.execute_script("return document.body.dataset.dagReadyMs"), "the DAG to be drawn")
    marker = driver.execute_script("window.__noReload = 42; return window.__noReload")
    first = node_states(driver)
    assert first, "no nodes drawn"
    assert first.get("t:first") != "succeeded", f"task 'first' finished before the page was drawn: {first}"
    open(release_file, "w").close()  # lets task 'first' finish
    # The first task finishes while we watch: its node turns green with no reload.
    wait(driver, lambda d: node_states(d).get("t:first") == "succeeded", "task 'first' to turn succeeded live", 60)
    changed = {key for key, state in node_states(driver).items() if first.get(key) != state}
    assert changed, "no node changed state"
    assert driver.execute_script("return window.__noReload") == marker, "the page reloaded"
    # Open the task: its output is in the panel.
    driver.execute_script("window.qrewRunView.select('t:first')")
    wait(driver, lambda d: "hello from first" in text(d, "panel-output"), "the task's output in the panel")
    assert "succeeded" in text(driver, "panel-state")
    # The long task is running; cancel the run from the page.
    wait(driver, lambda d: node_states(d).get("t:long") == "running", "task 'long' to run", 60)
    driver.execute_script("window.confirm = () => true")
    driver.find_element(By.ID, "cancel-run").click()
    wait(driver, lambda d: "canceled" in text(d, "run-state"), "the run to show canceled", 60)
    wait(driver, lambda d: node_states(d).get("t:long") == "canceled", "task 'long' to show canceled", 30)
    return sorted(changed)


def big_run(driver, base, run, tasks, release_file):
    """The page of a run of `tasks` tasks: loaded (DAG drawn) under 2 s, and still live."""
    api = {}
    for name, path in (("status", f"/api/runs/{run}"), ("plan", f"/api/runs/{run}/plan")):
        start = time.monotonic()
        size = len(urllib.request.urlopen(base + path, timeout=30).read())
        api[name] = {"ms": round((time.monotonic() - start) * 1000), "bytes": size}
    print(json.dumps({"bigApi": api}), file=sys.stderr)
    timings = []
    for _ in range(3):
        driver.get("about:blank")
        start = time.monotonic()
        driver.get(f"{base}/#/runs/{run}")
        wait(driver, lambda d: d.execute_script("return document.body.dataset.dagReadyMs"), "the big DAG to be drawn", 60)
        total = time.monotonic() - start
        drawn = int(driver.execute_script("return document.body.dataset.dagTasks"))
        assert drawn >= tasks, f"the page knows {drawn} tasks, expected {tasks}"
        timings.append({"navigationToDrawnMs": round(total * 1000),
                        "inPageMs": int(driver.execute_script("return document.body.dataset.dagReadyMs"))})
    nodes = driver.execute_script("return document.querySelectorAll('#dag .node').length")
    print(json.dumps({"bigLoads": timings, "nodes": nodes}), file=sys.stderr)
    # Still live: once the first task may finish, the done count in the header grows.
    before = text(driver, "run-progress")
    open(release_file, "w").close()
    wait(driver, lambda d: text(d, "run-progress") != before, "the big run's progress to move", 60)
    start = time.monotonic()
    driver.execute_script("window.qrewRunView.fit()")
    fit_ms = round((time.monotonic() - start) * 1000)
    return {"tasks": tasks, "nodes": nodes, "loads": timings, "fitMs": fit_ms, "api": api}


def other_pages(driver, base, live_run):
    """The runs list (live, filtered), workers and pools pages show what the cluster has."""
    driver.get(f"{base}/#/runs")
    wait(driver, lambda d: d.execute_script(
        "return [...document.querySelectorAll('#runs tr[data-run]')].map(r => r.dataset.run)").count(live_run) == 1,
        "the runs list to show the live run")
    driver.execute_script("const f = document.getElementById('name-filter'); f.value = 'web-big'; f.dispatchEvent(new Event('input'))")
    shown = driver.execute_script("return [...document.querySelectorAll('#runs tr[data-run]')].map(r => r.dataset.run)")
    assert shown and all("web-big" in run for run in shown), f"the name filter shows {shown}"
    driver.get(f"{base}/#/workers")
    wait(driver, lambda d: "worker-1" in text(d, "workers") and "worker-2" in text(d, "workers"), "both workers listed")
    driver.get(f"{base}/#/pools")
    wait(driver, lambda d: "cpu" in text(d, "pools") and "deployer" in text(d, "pools"), "the example's pools listed")
    driver.get(f"{base}/#/dlq")
    wait(driver, lambda d: "no dead letters" in text(d, "dlq"), "the empty dead-letter page")


def screenshot(driver, base, run, path):
    driver.set_window_size(1280, 720)
    driver.get(f"{base}/#/runs/{run}")
    wait(driver, lambda d: d.execute_script("return document.body.dataset.dagReadyMs"), "the example's DAG")
    wait(driver, lambda d: "succeeded" in text(d, "run-state"), "the example run to succeed", 60)
    wait(driver, lambda d: "critical path" in text(d, "run-stats"), "the finished run's statistics line", 30)
    keys = list(node_states(driver))
    target = next((k for k in keys if k == "t:unit-tests"), keys[0])
    driver.execute_script(f"window.qrewRunView.select({json.dumps(target)})")
    wait(driver, lambda d: "passed" in text(d, "panel-output"), "the task's output in the panel")
    time.sleep(0.3)
    driver.save_screenshot(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--live-run", required=True)
    parser.add_argument("--release-file", required=True)
    parser.add_argument("--big-run", required=True)
    parser.add_argument("--big-tasks", type=int, required=True)
    parser.add_argument("--big-release-file", required=True)
    parser.add_argument("--example-run")
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    driver = browser()
    try:
        changed = live_run(driver, args.base, args.live_run, args.release_file)
        big = big_run(driver, args.base, args.big_run, args.big_tasks, args.big_release_file)
        other_pages(driver, args.base, args.live_run)
        if args.example_run and args.screenshot:
            screenshot(driver, args.base, args.example_run, args.screenshot)
        print(json.dumps({"changedNodes": changed, "big": big}))
    finally:
        driver.quit()


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        sys.exit(1)
