"""Brief an article on the tiny models, render it with `--format html`'s renderer, and take
screenshots of the page in headless Chromium at a desktop and a phone width.

    python scripts/screenshot_html.py OUT_DIR [--models .tiny-models] [--article FILE] [--full-page]

writes ``OUT_DIR/brief.html`` and, for a desktop and a phone width, the first screen
(``brief-desktop.png``, ``brief-phone.png``) and the translation's (``brief-desktop-translation.png``,
``brief-phone-translation.png``); ``--full-page`` takes each whole page instead.
The models folder is the one ``scripts/make_tiny_models.py`` writes (built into a temporary
folder when it is missing). The browser is Debian's ``chromium`` package driven by Playwright
for Python; ``playwright install`` is never needed (``CHROMIUM_PATH`` names another Chromium
binary). tests/test_browser.py launches Chromium through `launch` below, so the screenshots and
the tests see the same browser.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: Headless, and nothing started in the background that could reach the network on its own.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--disable-extensions",
]  # fmt: skip
#: (name, viewport width, viewport height): a laptop screen and a common phone.
VIEWPORTS = (("desktop", 1280, 900), ("phone", 390, 844))


def launch(playwright):
    """Debian's Chromium under Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _tiny_models(folder: Path | None) -> Path:
    if folder is not None and (folder / "translation").is_dir() and (folder / "summary").is_dir():
        return folder
    target = folder or Path(tempfile.mkdtemp(prefix="wirebrief-tiny-"))
    spec = importlib.util.spec_from_file_location(
        "make_tiny_models", REPO_ROOT / "scripts" / "make_tiny_models.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(target)
    return target


def _shown(path: Path) -> Path:
    """A path relative to the working folder where it can be, so the page shows no home folder."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def render_brief(article: Path, models: Path) -> str:
    import wirebrief
    from wirebrief.render.html import to_html

    models = _shown(models)
    settings = wirebrief.Settings(
        translation_model=str(models / "translation"), summary_model=str(models / "summary"),
        device="cpu", num_beams=1, offline=True, engine="torch", use_cache=False,
    )  # fmt: skip
    return to_html(wirebrief.brief(_shown(article), settings=settings))


def screenshots(page_file: Path, out_dir: Path, *, full_page: bool = False) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for name, width, height in VIEWPORTS:
                page = browser.new_page(viewport={"width": width, "height": height})
                # The first screen, then (unless the whole page is taken) the translation's.
                for part in ("",) if full_page else ("", "translation"):
                    page.goto(page_file.resolve().as_uri() + (f"#{part}" if part else ""))
                    path = out_dir / ("-".join(filter(None, (page_file.stem, name, part))) + ".png")
                    page.screenshot(path=str(path), full_page=full_page)
                    written.append(path)
                page.close()
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--models", type=Path, default=None, help="tiny models folder (default: build one)")
    parser.add_argument("--article", type=Path, default=REPO_ROOT / "examples" / "article-nl-2025-02.txt")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the first screen")
    options = parser.parse_args(argv)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    page_file = options.out_dir / "brief.html"
    page_file.write_text(render_brief(options.article, _tiny_models(options.models)), encoding="utf-8")
    for path in [page_file, *screenshots(page_file, options.out_dir, full_page=options.full_page)]:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
