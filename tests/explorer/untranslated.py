"""Checks of a page shown in Chinese, shared by the app's and the explorer's tests.

English left on it: the words of every visible text node and of the aria-label, title and
placeholder attributes, and the document's title, that are ASCII words outside an explicit allow-list (brand
names, denoms, units, acronyms). Values shown as they are written are skipped where the pages mark them: `code`,
`.mono` (addresses, hashes) and `data-verbatim` (names and titles users chose, memos, the BIP-39 words)."""

import re
from collections.abc import Iterable

from playwright.sync_api import Page

ALLOWED_WORDS = frozenset(
    {
        # brand and product names, the language switch's own name for English
        "GoStaking",
        "English",
        "BIP",
        "WebAuthn",
        # denoms and tokens as the chain writes them
        "GOS",
        "sGOS",
        "LP",
        "BTC",
        "ETH",
        "ATOM",
        "DCR",
        "ugos",
        "usgos",
        "usgoslp",
        "atom",
        "btc",
        "dcr",
        "eth",
        "gos",
        # units and acronyms that Chinese texts write in Latin letters
        "GH",
        "MH",
        "KH",
        "TH",
        "PH",
        "API",
        "SQL",
        "CSV",
        "JSON",
        "URI",
        "PIN",
        "QR",
        "ID",
        "KYC",
        "localStorage",
    }
)

VISIBLE_TEXTS_JS = """() => {
  const skip = (el) => el.closest('code, .mono, [data-verbatim], script, style, noscript');
  const shown = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent && node.textContent.trim() && !skip(parent) && (shown(parent) || parent.closest('.sr-only'))) {
      texts.push(node.textContent);
    }
  }
  for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], option')) {
    if (skip(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder']) {
      if (el.hasAttribute(name)) texts.push(el.getAttribute(name));
    }
    if (el.tagName === 'OPTION') texts.push(el.textContent);
  }
  return texts;
}"""

# A word: two or more ASCII letters standing alone (not part of a token holding digits, like gos1… or a hash, and
# not the end of a shortened address or hash, "gos1jqcn…mrsdjk", whose letters-only tail depends on the run's keys).
WORD = re.compile(r"(?<![A-Za-z0-9_…])[A-Za-z]{2,}(?![A-Za-z0-9_…])")


def english_words(texts: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """The texts that hold a word outside ALLOWED_WORDS and `allowed`, each with its offending words."""
    allow = ALLOWED_WORDS | set(allowed)
    found = []
    for text in texts:
        words = [word for word in WORD.findall(text) if word not in allow]
        if words:
            found.append(f"{text.strip()[:80]!r}: {', '.join(words)}")
    return sorted(set(found))


def untranslated(page: Page, allowed: Iterable[str] = ()) -> list[str]:
    """English words visible (or named to assistive technology) on `page` now."""
    texts: list[str] = page.evaluate(VISIBLE_TEXTS_JS)
    return english_words(texts, allowed)


def drawn_with(page: Page, selector: str) -> list[str]:
    """The platform fonts chromium drew the first `selector` element's text with (what was drawn, not what the
    CSS asked for: a CJK font missing from the system shows as a fallback font here)."""
    page.evaluate("document.fonts.ready")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [font["familyName"] for font in fonts]
