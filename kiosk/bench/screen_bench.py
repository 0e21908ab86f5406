"""The screen's figures in a real browser: a tap to the reply on screen, page load, and the memory of the
kiosk and of Chromium.

The kiosk runs as the real command (`python -m kiosk --screen --text --port 0`, a process of its own, so its
memory is its own); Debian's Chromium is driven by Playwright. Reported, never asserted:

    python -m kiosk.bench.screen_bench [--taps 40] [--loads 10]      (also the suite's "screen" stage)
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..ops.settings import PROJECT_ROOT
from .evaluation import percentile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESCRIBE = "my lip keeps twitching since I started energy drinks"

# Runs in the page (through the DevTools protocol, not as a page script: the page's CSP is untouched): the
# time from the touch (the click event) to the first animation frame after the new view was put in the page
# (body[data-seq] changes): what a person waits for.
_IN_PAGE_PROBE = """() => {
    window.__probe = { clicks: [], drawn: [] };
    document.addEventListener('click', () => window.__probe.clicks.push(performance.now()), true);
    new MutationObserver(() => requestAnimationFrame(() => window.__probe.drawn.push(performance.now())))
        .observe(document.body, { attributes: true, attributeFilter: ['data-seq'] });
}"""


# Injected before the page's own script (DevTools protocol; the CSP is untouched): the time from the start of
# the navigation to the moment the first view is in the page (body[data-seq] set by the page's script).
_LOAD_PROBE = """
window.__firstView = 0;
new MutationObserver((changes, observer) => {
    if (document.body && document.body.dataset.seq && document.body.dataset.seq !== '0') {
        window.__firstView = performance.now();
        observer.disconnect();
    }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-seq'] });
"""


@dataclass
class ScreenFigures:
    load_s: list[float] = field(default_factory=list)
    """The start of the navigation to the first view in the page (the greeting), one per fresh tab, measured
    in the page."""
    tap_s: list[float] = field(default_factory=list)
    """A tap to the reply on screen, measured in the page: the click event to the next animation frame with
    the new view (the WebSocket round trip, the dialogue's turn, drawing)."""
    driver_tap_s: list[float] = field(default_factory=list)
    """The same taps seen from the test driver (Playwright's click, with its own checks, to the new view seen)."""
    kiosk_rss: int = 0
    chromium_rss: int = 0
    chromium_pss: int = 0
    chromium_processes: int = 0
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """The machine's load average when measured (other work on the machine slows a page load)."""
    error: str = ""


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _chromium_memory() -> tuple[int, int, int]:
    """RSS sum, PSS sum (shared pages counted once) and number of this process's Chromium processes."""
    pids = []
    for pid in _descendants(os.getpid()):
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if "chrom" in name:
            pids.append(pid)
    return sum(_status_kb(p, "VmRSS") for p in pids), sum(_pss(p) for p in pids), len(pids)


def _start_kiosk(timeout_s: float = 60.0) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--screen", "--text", "--port", "0"],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None and proc.stderr is not None  # both are pipes
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("Screen: "):
            return proc, line.split()[1]
    proc.kill()
    raise RuntimeError(f"the kiosk did not start its screen: {proc.stderr.read().strip()[-300:]}")


def measure(taps: int = 40, loads: int = 10, chromium: str = CHROMIUM) -> ScreenFigures:
    figures = ScreenFigures()
    if not Path(chromium).exists():
        figures.error = f"no {chromium} (apt-get install chromium)"
        return figures
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        figures.error = f"playwright is not installed ({err}): pip install -e '.[test]'"
        return figures
    proc, url = _start_kiosk()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(_LOAD_PROBE)
            for _ in range(loads):
                page = context.new_page()
                page.goto(url)
                page.wait_for_function("() => window.__firstView > 0")
                figures.load_s.append(page.evaluate("() => window.__firstView") / 1000)
                page.close()
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("body[data-page='greeting']")
            page.get_by_label("Or type your answer").fill(DESCRIBE)
            page.keyboard.press("Enter")
            page.wait_for_selector("body[data-page='question']")
            page.evaluate(_IN_PAGE_PROBE)
            repeat = page.locator("#controls").get_by_role("button", name="Repeat", exact=True)
            for _ in range(taps):
                before = int(page.evaluate("() => document.body.dataset.seq"))
                t0 = time.perf_counter()
                repeat.click()
                page.wait_for_function("(n) => Number(document.body.dataset.seq) > n", arg=before)
                figures.driver_tap_s.append(time.perf_counter() - t0)
            page.wait_for_timeout(100)  # the last frame
            probe = page.evaluate("() => window.__probe")
            figures.tap_s = [(d - c) / 1000 for c, d in zip(probe["clicks"], probe["drawn"], strict=False)]
            figures.kiosk_rss = _status_kb(proc.pid, "VmRSS")
            figures.load_average = os.getloadavg()
            figures.chromium_rss, figures.chromium_pss, figures.chromium_processes = _chromium_memory()
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return figures


def rows(f: ScreenFigures) -> list[tuple[str, str, str]]:
    """(figure, value, measured on / target) rows."""
    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms / {percentile(values, 95) * 1000:.0f} ms"

    if f.error:
        return [("screen", f"not measured: {f.error}", "")]
    tap_p95 = percentile(f.tap_s, 95)
    load_p95 = percentile(f.load_s, 95)
    return [
        ("Tap to the reply on screen, median / p95", ms(f.tap_s),
         f"{len(f.tap_s)} taps on Repeat, in the page: touch event to the next frame with the reply (WebSocket, "
         f"dialogue, drawing); target p95 < 100 ms: " + ("met" if tap_p95 < 0.1 else "MISSED")),
        ("  the same taps seen by the test driver", ms(f.driver_tap_s) if f.driver_tap_s else "n/a",
         "Playwright's click (with its own checks) to the new view seen; an upper bound"),
        ("Page load to the first view drawn, median / p95", ms(f.load_s),
         f"{len(f.load_s)} fresh tabs, in the page: start of navigation to the greeting in the page; "
         f"target < 500 ms: " + ("met" if load_p95 < 0.5 else "MISSED")),
        ("Memory of the kiosk (--screen --text), RSS", f"{f.kiosk_rss / 2**20:.0f} MiB", "after the taps"),
        ("Memory of Chromium, RSS sum / PSS sum", f"{f.chromium_rss / 2**20:.0f} MiB / {f.chromium_pss / 2**20:.0f} MiB",
         f"{f.chromium_processes} processes, headless, one tab open"),
        ("Machine load average (1 / 5 / 15 min) while measured", " / ".join(f"{x:.1f}" for x in f.load_average),
         f"{os.cpu_count()} cores; timings above include waiting for the CPU"),
    ]


def format_table(f: ScreenFigures) -> str:
    table = rows(f)
    widths = [max(len(r[i]) for r in table + [("figure", "value", "measured on / target")]) for i in range(3)]
    head = ("figure", "value", "measured on / target")
    lines = [" | ".join(c.ljust(w) for c, w in zip(head, widths, strict=False)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) for r in table]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--taps", type=int, default=40)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)
    figures = measure(args.taps, args.loads, args.chromium)
    print(format_table(figures))
    return 2 if figures.error else 0


if __name__ == "__main__":
    sys.exit(main())
