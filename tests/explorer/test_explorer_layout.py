"""The explorer at a desktop width (1400 px) and a phone width (420 px) on every page of a seeded devnet: nothing
overflows the page or its table container, panels say they are loading rather than stay blank, failed transactions
look failed and nodes go by their monikers. Screenshots go to artifacts/explorer/ (git-ignored) for a reviewer."""

import re
from collections.abc import Callable

import pytest
from explorer_harness import REPO, DevnetProcess, Seeded
from playwright.sync_api import Page, Route, expect

PageAt = Callable[[int], Page]  # the page_at fixture of conftest.py
ARTIFACTS = REPO / "artifacts" / "explorer"
WIDTHS = (1400, 420)

# What overflows: the page itself, then each table container (the History table was wider than its panel).
OVERFLOWS = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) found.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      const caption = wrap.querySelector('caption')?.textContent || 'a table';
      found.push(`${caption}: ${wrap.scrollWidth} > ${wrap.clientWidth}`);
    }
  }
  return found;
}"""


def pages_of(devnet: DevnetProcess, seeded: Seeded) -> dict[str, str]:
    """Every route of the explorer, with real arguments from the seeded chain."""
    height = devnet.get(f"/txs/{seeded.txs['alice_bonds']}")["height"]
    return {
        "dashboard": "/#/",
        "blocks": "/#/blocks",
        "block": f"/#/block/{height}",
        "txs": "/#/txs",
        "tx": f"/#/tx/{seeded.txs['alice_bonds']}",
        "tx-failed": f"/#/tx/{seeded.txs['carol_fails']}",
        "account": f"/#/account/{seeded.alice.address}",
        "nodes": "/#/nodes",
        "node": f"/#/node/{seeded.bob.address}",
        "graph": "/#/graph",
        "governance": "/#/governance",
        "liquid": "/#/liquid",
        "search": f"/#/search/{seeded.carol.address[:8]}",
    }


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def sized_page(request: pytest.FixtureRequest, page_at: PageAt) -> Page:
    return page_at(request.param)


def settled(page: Page) -> None:
    """Until the page and each of its panels has its data (no loading placeholder left)."""
    expect(page.locator("main[aria-busy]")).to_have_count(0)
    expect(page.locator("main .loading")).to_have_count(0)


def test_no_page_overflows(sized_page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    width = sized_page.viewport_size["width"] if sized_page.viewport_size else 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for name, url in pages_of(devnet, seeded).items():
        sized_page.goto(url)
        settled(sized_page)
        found = sized_page.evaluate(OVERFLOWS)
        if found:
            problems[name] = found
        sized_page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
    assert not problems, f"overflow at {width} px: {problems}"


HISTORY_LAYOUT = """section => {
    const result = [...section.querySelectorAll("th")].find(th => th.textContent.includes("Result"));
    const age = section.querySelector("tbody time");
    if (!result || !age) return null;
    return {
        panelRight: section.getBoundingClientRect().right,
        resultRight: result.getBoundingClientRect().right,
        ageHeight: age.getBoundingClientRect().height,
        lineHeight: parseFloat(getComputedStyle(age).lineHeight) || 20,
    };
}"""
"""The history panel's right edge, its Result header's, and the first age's height and line height, measured at one
moment (null while a redraw has left no table)."""


def test_history_fits_and_failures_look_failed(page: Page, seeded: Seeded) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"/#/account/{seeded.carol.address}")
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    failed_row = history.locator("tr.row-failed")
    expect(failed_row.first).to_be_visible()
    expect(failed_row.first.locator(".badge-failed")).to_be_visible()
    # Every column, Result the last, is inside the panel; an age stays on one line.
    # The table is redrawn as blocks arrive over the live stream, so a header found by one call may be gone by the
    # next: the page measures everything in one script, and the test asks again while a redraw left no table.
    expect(history.locator("th", has_text="Result")).to_be_visible()
    layout = None
    for _ in range(50):
        layout = history.evaluate(HISTORY_LAYOUT)
        if layout is not None:
            break
        page.wait_for_timeout(100)
    assert layout is not None, "the history table was never drawn with a Result column and an age"
    assert layout["resultRight"] <= layout["panelRight"], layout
    assert layout["ageHeight"] < 2 * layout["lineHeight"], layout
    for url in ("/#/txs", f"/#/block/{page_height(page, seeded)}"):
        page.goto(url)
        row = page.locator("tr", has=page.locator(f"a[href='#/tx/{seeded.txs['carol_fails']}']"))
        expect(row).to_have_class("row-failed")


def page_height(page: Page, seeded: Seeded) -> int:
    reply = page.request.get(f"/txs/{seeded.txs['carol_fails']}").json()
    return int(reply["height"])


def test_monikers_and_human_parameters(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    page.goto("/#/blocks")
    first = page.locator("tbody tr").first
    expect(first.locator("[data-field=proposer]")).to_have_text("devnet-node")
    height = devnet.get("/explorer/blocks?limit=1")["items"][0]["height"]
    page.goto(f"/#/block/{height}")
    expect(page.locator("[data-field=proposer]")).to_have_text("devnet-node")
    page.goto(f"/#/account/{seeded.alice.address}")
    unbonding = page.locator("section", has=page.get_by_role("heading", name="Unbonding"))
    if devnet.get(f"/accounts/{seeded.alice.address}")["unbondings"]:
        expect(unbonding.locator("tbody a[href^='#/node/']").first).to_have_text("devnet-node")
    page.goto("/#/governance")
    settled(page)
    checked = 0
    for module, values in devnet.get("/params").items():
        if not isinstance(values, dict):
            continue
        panel = page.locator("section", has=page.get_by_role("heading", name=f"Parameters: {module}", exact=True))
        text = panel.inner_text()
        assert "ugos" not in text and "_ppm" not in text, text
        for key, value in values.items():
            if not isinstance(value, int):
                continue
            row = panel.locator(
                "tr", has=page.locator("code", has_text=re.compile(f"^{module}.{key.rsplit('_', 1)[0]}$"))
            )
            if key.endswith("_ugos"):
                expect(row.locator("td").nth(1)).to_have_text(f"{decimal_text(value, 6)} GOS")
                checked += 1
            elif key.endswith("_ppm"):
                expect(row.locator("td").nth(1)).to_have_text(f"{decimal_text(value, 4)}%")
                checked += 1
    assert checked >= 4  # the chain has amounts and fractions among its parameters


def decimal_text(units: int, decimals: int) -> str:
    """An integer of base units as the explorer shows it: grouped, exact, no trailing zeros."""
    whole, fraction = divmod(units, 10**decimals)
    kept = str(fraction).rjust(decimals, "0").rstrip("0")
    return f"{whole:,}" + (f".{kept}" if kept else "")


def test_search_placeholder_is_not_cut(page: Page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        box = page.get_by_role("searchbox")
        needed = box.evaluate(
            """input => {
              const style = getComputedStyle(input);
              const context = document.createElement('canvas').getContext('2d');
              context.font = style.font;
              const text = context.measureText(input.placeholder).width;
              return text + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) <= input.clientWidth + 1;
            }"""
        )
        assert needed, f"the search placeholder is cut at {width} px"


def test_panels_show_loading_while_data_loads(page: Page, seeded: Seeded) -> None:
    """Requests held back: the page shows its loading state in place of blank panels, then the data."""
    held: list[Route] = []
    page.route("**/explorer/accounts/**", lambda route: held.append(route))
    page.goto(f"/#/account/{seeded.alice.address}")
    expect(page.locator("main .loading").first).to_be_visible()
    expect(page.locator("main .loading").first).not_to_be_empty()
    for route in held:
        route.continue_()
    page.unroute("**/explorer/accounts/**")
    settled(page)
    expect(page.locator("section", has=page.get_by_role("heading", name="History"))).to_be_visible()
