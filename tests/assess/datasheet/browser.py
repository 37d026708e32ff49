"""Load a page in headless chromium: the rendered DOM, console messages and a screenshot.

``MODELCARBON_CHROMIUM`` names the binary (``tools/with_services.sh`` installs Debian's
chromium and sets it); without it, ``/usr/bin/chromium`` if present. :func:`require_chromium`
fails when ``CI`` is set and no chromium is found, and skips otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
)
_CONSOLE = re.compile(r":CONSOLE[^\]]*\]\s*(.*)")
_PROBLEMS = re.compile(r"Uncaught|Failed to load resource|Refused to|net::ERR_", re.I)


@dataclass(frozen=True)
class Loaded:
    dom: str
    console: list[str]
    problems: list[str]
    screenshot: Path


def chromium_path() -> str | None:
    env = os.environ.get("MODELCARBON_CHROMIUM")
    if env and Path(env).is_file():
        return env
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        message = ("chromium not found: set MODELCARBON_CHROMIUM or run the suite through "
                   "tools/with_services.sh (which installs Debian's chromium)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def load(chromium: str, page: Path, screenshot: Path, *, width: int = 1280,
         height: int = 2400) -> Loaded:
    """Load ``page`` once: dump its DOM, collect console lines, save a screenshot."""
    with tempfile.TemporaryDirectory(prefix="mc-chromium-") as profile:
        run = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             f"--screenshot={screenshot}", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    if run.returncode != 0:
        raise AssertionError(f"chromium failed ({run.returncode}): {run.stderr[-2000:]}")
    console = [m.group(1) for line in run.stderr.splitlines()
               if (m := _CONSOLE.search(line))]
    problems = [line for line in run.stderr.splitlines() if _PROBLEMS.search(line)]
    return Loaded(run.stdout, console, problems, screenshot)


_MEASURE = ("<script>window.addEventListener('load',()=>{const d=document.documentElement;"
            "d.setAttribute('data-scroll-width',d.scrollWidth);"
            "d.setAttribute('data-client-width',d.clientWidth);"
            "let w=0;for(const t of document.querySelectorAll('table')){"
            "w=Math.max(w,t.getBoundingClientRect().right)};"
            "d.setAttribute('data-table-right',Math.ceil(w));});</script>")


def widths(chromium: str, page: Path, screenshot: Path, *, width: int = 1280,
           height: int = 1400) -> tuple[int, int, int]:
    """(scrollWidth, clientWidth, right edge of the widest table) of ``page`` at ``width``:
    a copy of it, beside it, with a measuring script added (the page itself has none)."""
    probe = page.with_name(page.stem + ".measure.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>"),
                     encoding="utf-8")
    dom = load(chromium, probe, screenshot, width=width, height=height).dom
    found = {k: int(v) for k, v in re.findall(r'data-(scroll-width|client-width|table-right)'
                                               r'="(\d+)"', dom)}
    return found["scroll-width"], found["client-width"], found["table-right"]
