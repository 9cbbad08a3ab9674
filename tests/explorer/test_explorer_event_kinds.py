"""The explorer shows each event kind's meaning from the chain's published event list (its generated events.js,
the list GET /events/kinds serves): on block and transaction pages and in an account's history."""

import re
from typing import Any

from explorer_harness import DevnetProcess, Seeded
from playwright.sync_api import Locator, Page, expect


def meanings(devnet: DevnetProcess) -> dict[str, str]:
    """Kind → tooltip text (the description without its `code` marks)."""
    return {k["kind"]: k["description"].replace("`", "") for k in devnet.get("/events/kinds")}


def section(page: Page, heading: str) -> Locator:
    return page.locator("section", has=page.get_by_role("heading", name=re.compile(heading)))


def expect_described(kinds: Locator, events: list[dict[str, Any]], described: dict[str, str]) -> None:
    expect(kinds).to_have_text([e["kind"] for e in events])
    for i, event in enumerate(events):
        expect(kinds.nth(i)).to_have_attribute("title", described[event["kind"]])


def test_block_and_transaction_events_show_their_meaning(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    described = meanings(devnet)
    tx_hash = seeded.txs["alice_bonds"]
    tx = devnet.get(f"/txs/{tx_hash}")
    assert {e["kind"] for e in tx["events"]} >= {"vote", "stake", "lock"}
    page.goto(f"/#/tx/{tx_hash}")
    expect_described(section(page, r"^Events \(").locator(".kind"), tx["events"], described)
    block = devnet.get("/blocks/1")
    assert block["events"]
    page.goto("/#/block/1")
    expect_described(section(page, r"^Block events \(").locator(".kind"), block["events"], described)
    expect(page.locator(".kind[data-module=emission]").first).to_have_text("mint")


def test_account_history_describes_event_kinds_only(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    described = meanings(devnet)
    page.goto(f"/#/account/{seeded.alice.address}")
    history = section(page, "^History$")
    unvote = history.locator(".kind", has_text=re.compile("^unvote$")).first
    expect(unvote).to_have_attribute("title", described["unvote"])
    receive = history.locator(".kind", has_text=re.compile("^receive$")).first
    expect(receive).to_be_visible()
    assert receive.get_attribute("title") is None  # the index's own kind: no chain event of that name
