"""Brief an article on the tiny models, render it with `--format html`'s renderer, and take
screenshots of the page in headless Chromium at a desktop and a phone width.

    python scripts/screenshot_html.py OUT_DIR [--models .tiny-models] [--article FILE] [--full-page]

writes ``OUT_DIR/brief.html`` and the screenshots under the names the README uses (``SHOTS``):
``brief-html.png`` (the first screen on a desktop), ``brief-html-translation.png`` (the
translation's screen on a desktop) and ``brief-html-phone.png`` (the first screen on a phone),
so an OUT_DIR of docs/ replaces the README's images. ``--full-page`` takes each whole page
instead (and no translation's screen). The article and the models show by their paths relative
to the repository where they are in it, so a page shows no home folder. The models folder is the
one ``scripts/make_tiny_models.py`` writes (built into a temporary folder when it is missing).
The browser is Debian's ``chromium`` package driven by Playwright for Python; ``playwright
install`` is never needed (``CHROMIUM_PATH`` names another Chromium binary).
tests/test_browser.py launches Chromium through `launch` below, so the screenshots and the tests
see the same browser.
"""

from __future__ import annotations

import argparse
import contextlib
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
#: (file, viewport, the part of the page the screen starts at: "" for its top), the names the
#: README's images have in docs/.
SHOTS = (
    ("brief-html.png", "desktop", ""),
    ("brief-html-translation.png", "desktop", "translation"),
    ("brief-html-phone.png", "phone", ""),
)


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
    """A path inside the repository relative to it, so the page shows no home folder."""
    try:
        return path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        return path.resolve()


def render_brief(article: Path, models: Path) -> str:
    import dataclasses

    import wirebrief
    from wirebrief.render.html import to_html

    article, models = _shown(article), _shown(models)
    roles = ("translation", "summary")
    folders = {str((REPO_ROOT / models / role).resolve()): str(models / role) for role in roles}
    settings = wirebrief.Settings(
        translation_model=str(models / "translation"), summary_model=str(models / "summary"),
        device="cpu", num_beams=1, offline=True, engine="torch", use_cache=False,
    )  # fmt: skip
    with contextlib.chdir(REPO_ROOT):  # where the relative paths are
        brief = wirebrief.brief(article, settings=settings)
    # An engine names a model folder by its absolute path; the page names it as given here.
    provenance = {**brief.provenance, "models": {
        role: {**info, "model": folders.get(str(info.get("model")), info.get("model"))}
        for role, info in brief.provenance.get("models", {}).items()
    }}  # fmt: skip
    return to_html(dataclasses.replace(brief, provenance=provenance))


def screenshots(page_file: Path, out_dir: Path, *, full_page: bool = False) -> list[Path]:
    from playwright.sync_api import sync_playwright

    sizes = {name: (width, height) for name, width, height in VIEWPORTS}
    written = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for name, viewport, part in SHOTS:
                if full_page and part:
                    continue  # the whole page has the translation already
                width, height = sizes[viewport]
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(page_file.resolve().as_uri() + (f"#{part}" if part else ""))
                path = out_dir / name
                page.screenshot(path=str(path), full_page=full_page)
                written.append(path)
                page.close()
        finally:
            browser.close()
    return written


def description() -> str:
    """The first paragraph of this module's description, as one line, for `--help`."""
    return " ".join((__doc__ or "").split("\n\n")[0].split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=description())
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--models", type=Path, default=None, help="tiny models folder (default: build one)")
    parser.add_argument("--article", type=Path, default=REPO_ROOT / "examples" / "article-nl-2025-02.txt",
                        help="the article to brief (default: examples/article-nl-2025-02.txt)")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the first screen")
    options = parser.parse_args(argv)
    from wirebrief.cli.streams import quiet_libraries

    quiet_libraries(debug=False)  # as `wirebrief` is: no model library's advice on stderr
    options.out_dir.mkdir(parents=True, exist_ok=True)
    page_file = options.out_dir / "brief.html"
    page_file.write_text(render_brief(options.article, _tiny_models(options.models)), encoding="utf-8")
    for path in [page_file, *screenshots(page_file, options.out_dir, full_page=options.full_page)]:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
