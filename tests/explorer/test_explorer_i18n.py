"""The explorer in Simplified Chinese: the switch translates the pages, formats numbers, dates and durations for
the locale with Intl, and is remembered under the app's key, so the choice carries between the explorer and the
app served by the same node. Every t('…') text of the explorer's pages has its Chinese words."""

import re

from explorer_harness import REPO, DevnetProcess, Seeded
from playwright.sync_api import Page, expect
from untranslated import drawn_with, untranslated

STATIC = REPO / "gostaking" / "explorer" / "static"
ARTIFACTS = REPO / "artifacts" / "explorer"
STORAGE_KEY = "gostaking.app.lang"  # the app's (gostaking/app/src/i18n.js)
# A literal text passed to t() or tNodes(): t('Latest blocks') or t("…"), the first argument only.
TRANSLATED_TEXT = re.compile(r"""\b(?:t|tNodes)\(\s*(['"])((?:(?!\1).)+)\1""")
# A list of texts translated one by one: ['Node', 'Status'].map((text) => t(text)).
TRANSLATED_LIST = re.compile(r"\[([^\[\]]*)\]\.map\(\(text\) => t\(text\)\)")


def texts_to_translate() -> set[str]:
    found: set[str] = set()
    for source in (STATIC / "js").rglob("*.js"):
        code = source.read_text(encoding="utf-8")
        found.update(match[1] for match in TRANSLATED_TEXT.findall(code))
        for texts in TRANSLATED_LIST.findall(code):
            found.update(re.findall(r"'([^']+)'", texts))
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    found.update(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', html))
    return found


def switch_to_chinese(page: Page) -> None:
    page.get_by_label("Language").select_option("zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_every_text_has_chinese_words(page: Page) -> None:
    page.goto("/")
    chinese: list[str] = page.evaluate(
        "async () => Object.keys((await import('/static/js/i18n.js')).DICTIONARIES['zh-CN'])"
    )
    texts = texts_to_translate()
    assert len(texts) > 50, texts  # the scan found the pages' texts
    assert not sorted(texts - set(chinese)), "texts without Chinese words in static/js/i18n.js"


def test_switch_to_chinese(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    switch_to_chinese(page)
    expect(page.get_by_role("heading", name="概览", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="最新区块")).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="交易", exact=True)).to_be_visible()
    expect(page.get_by_role("searchbox")).to_have_attribute("placeholder", "地址、交易哈希、高度或节点")
    assert drawn_with(page, "#main h1") == ["Noto Sans CJK SC"]  # 概览, drawn with the stack's CJK font
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") == "zh-CN"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-zh-CN.png", full_page=True)  # CJK shows as boxes without fonts

    # Numbers and dates as Intl writes them for zh-CN; durations with Chinese units.
    height = devnet.get(f"/txs/{seeded.txs['alice_bonds']}")["height"]
    page.goto(f"/#/block/{height}")
    expect(page.get_by_role("heading", name=re.compile(r"^区块 "))).to_be_visible()
    block = devnet.get(f"/blocks/{height}")
    expected: dict[str, str] = page.evaluate(
        """([height, time]) => ({
          height: new Intl.NumberFormat('zh-CN').format(height),
          time: new Intl.DateTimeFormat('zh-CN', {dateStyle: 'medium', timeStyle: 'medium'}).format(new Date(time)),
        })""",
        [height, block["time"]],
    )
    header = page.locator("section", has=page.get_by_role("heading", name="区块头"))
    expect(header).to_contain_text(expected["height"])
    expect(header.locator("time")).to_contain_text(expected["time"])
    assert "年" in expected["time"]  # the check means something: a Chinese date, not an English one
    expect(header.locator("time")).to_contain_text(re.compile(r"(秒|分钟|小时|天)前"))

    # Remembered: a reload stays Chinese, and a big number follows the locale on the account page.
    page.goto(f"/#/account/{seeded.alice.address}")
    page.reload()
    expect(page.get_by_role("heading", name="账户", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="历史")).to_be_visible()
    expect(page.get_by_label("语言")).to_have_value("zh-CN")

    # The app on the same node reads the same choice.
    if page.request.get("/app").ok:
        page.goto("/app")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_english_by_default_and_back(page: Page) -> None:
    page.goto("/#/nodes")
    expect(page.get_by_role("heading", name="Nodes", exact=True)).to_be_visible()
    switch_to_chinese(page)
    expect(page.get_by_role("heading", name="节点", exact=True)).to_be_visible()
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", name="Nodes", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Mining nodes")).to_be_visible()


def explorer_routes(devnet: DevnetProcess, seeded: Seeded) -> list[str]:
    """A page of every kind the explorer has, on the seeded activity."""
    height = devnet.get(f"/txs/{seeded.txs['alice_bonds']}")["height"]
    return [
        "/",
        "/blocks",
        f"/block/{height}",
        "/txs",
        f"/tx/{seeded.txs['alice_bonds']}",
        f"/tx/{seeded.txs['multisig_pays']}",
        f"/tx/{seeded.txs['carol_fails']}",
        f"/account/{seeded.alice.address}",
        "/nodes",
        f"/node/{seeded.operator.address}",
        f"/node/{seeded.bob.address}",
        "/graph",
        "/governance",
        "/liquid",
        f"/liquid?address={seeded.alice.address}",
        "/search/nothing-like-this",
        "/no-such-page",
    ]


def test_every_page_in_chinese(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    """No English words on any page shown in Chinese (visible texts, aria-labels, titles, placeholders), beyond
    the allow-list of names, denoms and units (untranslated.py) and the node names the devnet's users chose."""
    names = " ".join(node["moniker"] for node in devnet.get("/explorer/nodes?limit=100")["nodes"])
    allowed = set(re.findall(r"[A-Za-z]{2,}", names)) | {"first", "steps"}  # alice's memo
    page.goto("/")
    switch_to_chinese(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for route in explorer_routes(devnet, seeded):
        page.goto(f"/#{route}")
        expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
        page.wait_for_load_state("networkidle")
        if words := untranslated(page, allowed):
            found[route] = words
        kind = re.sub(r"[^a-z]+", "-", route.split("?")[0].split("/")[1]) or "dashboard"
        page.screenshot(path=ARTIFACTS / f"zh-CN-{kind}.png", full_page=True)
    assert not found, f"English left on explorer pages shown in Chinese: {found}"
