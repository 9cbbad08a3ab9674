"""The explorer in Debian's chromium (Playwright) against a real devnet seeded with signed transactions:
numbers match the API, pages show what the chain holds, search navigates, and new blocks arrive live."""

import csv
import io
import re
from typing import Any

from explorer_harness import DevnetProcess, Seeded
from playwright.sync_api import Page, expect


def group(text: str) -> str:
    """Thousands separators as the explorer prints them."""
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}"
    return grouped + (f".{frac}" if frac else "")


def trim(text: str, digits: int) -> str:
    whole, _, frac = text.partition(".")
    kept = frac[:digits].rstrip("0")
    return f"{whole}.{kept}" if kept else whole


def stat(page: Page, name: str) -> str:
    return page.locator(f"[data-stat={name}] .card-value").inner_text().strip()


def test_dashboard_numbers_match_status(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    page.goto("/")
    expect(page.locator(".dashboard[data-height]")).to_be_attached()
    status = devnet.get("/status")
    # Read the page in one go: it re-renders on every block.
    shown: dict[str, Any] = page.evaluate(
        """() => {
          const root = document.querySelector('.dashboard');
          const value = (n) => root.querySelector(`[data-stat=${n}] .card-value`).textContent.trim();
          return {height: Number(root.dataset.height), heightText: value('height'), power: value('hash-power'),
                  supply: value('supply'), mining: value('mining'), reward: value('reward'), burned: value('burned')};
        }"""
    )
    height = shown["height"]
    assert 0 < height <= status["height"] and shown["heightText"] == group(str(height))
    assert shown["supply"] == f"{group(str(100 * height))} GOS"  # no burn yet: supply = 100 GOS per block
    assert shown["power"] == f"{group(trim(status['total_hash_power']['hs'], 2))} H/s"
    assert shown["mining"] == str(status["mining_set_size"])
    assert shown["reward"] == "100 GOS" and shown["burned"] == "0 GOS"
    expect(page.locator("[data-countdown=halving]")).to_contain_text("Next halving at height 172,801")
    for title in ("Emission and halvings", "Block time", "GOS supply", "Locked value by asset", "Hash power by pool"):
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator("svg[aria-label*='Value of locked assets']")).to_contain_text("0.5 btc")
    expect(page.locator(".dashboard")).to_contain_text(seeded.txs["alice_bonds"][:10])


def test_live_updates_without_reload(page: Page, seeded: Seeded) -> None:
    page.goto("/")
    expect(page.locator(".dashboard[data-height]")).to_be_attached()
    page.evaluate("window.__notReloaded = true")
    first = int(page.locator(".dashboard").get_attribute("data-height") or 0)
    page.wait_for_function(f"Number(document.querySelector('.dashboard').dataset.height) > {first + 2}", timeout=15_000)
    assert page.evaluate("window.__notReloaded") is True
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    header = int(page.locator("#live-height").get_attribute("data-height") or 0)
    assert header > first


def test_block_page_shows_its_transactions(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    tx_hash = seeded.txs["alice_bonds"]
    height = devnet.get(f"/txs/{tx_hash}")["height"]
    page.goto(f"/#/block/{height}")
    expect(page.get_by_role("heading", name=f"Block {height:,}")).to_be_visible()
    row = page.locator("tr", has=page.locator(f"a[href='#/tx/{tx_hash}']"))
    expect(row).to_contain_text("vote, stake, lock")
    expect(row).to_contain_text("ok")
    block = devnet.get(f"/blocks/{height}")
    expect(page.locator(".facts")).to_contain_text(block["hash"])
    page.locator(f"a[href='#/tx/{tx_hash}']").click()
    expect(page).to_have_url(re.compile(f"#/tx/{tx_hash}$"))


def test_transaction_page(page: Page, seeded: Seeded) -> None:
    tx_hash = seeded.txs["alice_bonds"]
    page.goto(f"/#/tx/{tx_hash}")
    expect(page.locator("[data-field=hash]")).to_have_text(tx_hash)
    expect(page.locator(".badge-ok")).to_have_text("success")
    messages = page.locator(".msg h3")
    expect(messages).to_have_text(["#0 vote", "#1 stake", "#2 lock"])
    expect(page.locator(".msg").nth(2)).to_contain_text("0.5 btc (50,000,000 btc)")
    expect(page.locator("main")).to_contain_text("first steps")
    failed = seeded.txs["carol_fails"]
    page.goto(f"/#/tx/{failed}")
    expect(page.locator(".badge-failed")).to_contain_text("failed")
    expect(page.locator(".log")).to_contain_text("InsufficientFunds")
    # A multisig account's transaction names its k-of-n key and the members who signed, not an empty signature.
    page.goto(f"/#/tx/{seeded.txs['multisig_pays']}")
    expect(page.locator(".badge-ok")).to_have_text("success")
    expect(page.locator("[data-field=multisig]")).to_have_text("2 of 3 keys (multisig account)")
    overview = page.locator("section", has=page.get_by_role("heading", name="Overview"))
    for signer in (seeded.alice, seeded.bob):
        expect(overview).to_contain_text(signer.public_key.hex())
    expect(overview).not_to_contain_text(seeded.carol.public_key.hex())  # a member who did not sign


def test_account_page_and_csv(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    address = seeded.alice.address
    page.goto(f"/#/account/{address}")
    expect(page.locator("[data-field=address]")).to_have_text(address)
    account = devnet.get(f"/accounts/{address}")
    btc = next(b for b in account["balances"] if b["denom"] == "btc")
    expect(page.locator("[data-denom=btc]")).to_have_text(f"{btc['display']} btc")
    locked = page.locator("section", has=page.get_by_role("heading", name="Locked assets"))
    expect(locked).to_contain_text("0.5 btc")
    expect(locked).to_contain_text("500 H/s")
    bonds = page.locator("section", has=page.get_by_role("heading", name="Votes and stakes"))
    expect(bonds).to_contain_text("devnet-node")
    expect(bonds).to_contain_text("bob-node")
    expect(bonds).to_contain_text("12 GOS")
    # The header counts every position (the chain's totals); the tables page (50 rows), here from the second row.
    positions = account["bonds_total"]
    assert positions >= 2 and account["bonded"]["gos"] != "0"
    expect(page.locator("[data-stat=bonded]")).to_contain_text(f"{positions} positions")
    page.goto(f"/#/account/{address}?bonds=1")
    expect(bonds.locator("nav.pager")).to_contain_text(f"votes and stakes 2–{positions} of {positions}")
    expect(bonds.get_by_role("link", name="← Previous")).to_be_visible()
    expect(bonds.locator("tbody tr")).to_have_count(positions - 1)
    page.goto(f"/#/account/{address}")
    expect(bonds.locator("nav.pager")).to_contain_text(f"votes and stakes 1–{positions} of {positions}")
    unbonding = page.locator("section", has=page.get_by_role("heading", name="Unbonding"))
    pending = devnet.get(f"/accounts/{address}")["unbondings"]
    for entry in pending:  # the unstake (180 blocks) is still on its way back
        expect(unbonding).to_contain_text(f"{entry['completion_height']:,}")
    assert pending or "unbonding_completed" in page.locator("main").inner_text()
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    for kind in ("receive", "vote", "stake", "lock", "send", "unvote"):
        expect(history.locator(".kind", has_text=re.compile(f"^{kind}$")).first).to_be_visible()
    # Parts of 4 rows (the API's are 1,000), so the download joins many parts as it would on a long history.
    page.locator("[data-action=csv]").evaluate("link => { link.dataset.csvRows = '4'; }")
    with page.expect_download() as download_info:
        page.locator("[data-action=csv]").click()
    download = download_info.value
    assert download.suggested_filename == f"gostaking-history-{address}.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))  # noqa: SIM115
    total = devnet.get(f"/explorer/accounts/{address}/history?limit=1")["total"]
    assert len(rows) >= total - 2 and len(rows) >= 10
    heights = [int(r["height"]) for r in rows]
    assert heights == sorted(heights)  # oldest first across the parts, each row once
    assert len({tuple(r.values()) for r in rows}) == len(rows)
    lock = next(r for r in rows if r["kind"] == "lock")
    assert (lock["amount"], lock["unit"], lock["tx_hash"]) == ("0.5", "btc", seeded.txs["alice_bonds"])
    assert {r["kind"] for r in rows} >= {"receive", "vote", "stake", "lock", "send", "unvote", "unstake"}


def test_nodes_and_node_pages(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    total = devnet.get("/explorer/nodes")["total"]
    assert total >= 2
    page.goto("/#/nodes?offset=1")  # pages of 100 in the explorer: here the second page starts at node 2
    expect(page.locator("nav.pager")).to_contain_text(f"nodes 2–{total} of {total}")
    expect(page.get_by_role("link", name="← Previous")).to_be_visible()
    page.goto("/#/nodes")
    expect(page.locator("nav.pager")).to_contain_text(f"nodes 1–{total} of {total}")
    mining = page.locator("section", has=page.get_by_role("heading", name="Mining nodes"))
    genesis_row = mining.locator("tr", has_text="devnet-node")
    expect(genesis_row).to_contain_text("mining")
    expect(genesis_row.locator("svg.uptime rect.up-signed").first).to_be_attached()
    assert genesis_row.locator("svg.uptime rect.up-missed").count() == 0
    bob_row = page.locator("tr", has_text="bob-node")
    expect(bob_row).to_contain_text("20 GOS")
    expect(bob_row).to_contain_text("1 / 1")
    bob_row.get_by_role("link", name="bob-node").click()
    expect(page).to_have_url(re.compile(f"#/node/{seeded.bob.address}$"))
    voters = page.locator("section", has=page.get_by_role("heading", name="Voters (1)"))
    expect(voters.locator(f"a[href='#/account/{seeded.alice.address}']")).to_be_visible()
    stakers = page.locator("section", has=page.get_by_role("heading", name="Stakers (1)"))
    expect(stakers).to_contain_text("20 GOS")
    expect(page.locator("svg.graph path.edge")).to_have_count(2)


def test_graph_has_the_expected_edges(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    page.goto("/#/graph")
    edges = page.locator("svg.graph path.edge")
    expect(edges.first).to_be_attached()
    shown = {
        (e.get_attribute("data-source"), e.get_attribute("data-target"), e.get_attribute("data-kind"))
        for e in edges.all()
    }
    alice, bob, operator = seeded.alice.address, seeded.bob.address, seeded.operator.address
    assert {(alice, operator, "vote"), (alice, operator, "stake"), (alice, bob, "vote"), (bob, bob, "stake")} <= shown
    api = {(e["source"], e["target"], e["kind"]) for e in devnet.get("/explorer/graph")["edges"]}
    assert shown == api
    page.locator(f".vertex[data-kind=node][data-id='{bob}']").hover()
    expect(page.locator("svg.graph path.edge.hot")).to_have_count(2)


def test_search_navigates(page: Page, devnet: DevnetProcess, seeded: Seeded) -> None:
    page.goto("/")
    box = page.get_by_role("searchbox")
    cases = [
        ("3", r"#/block/3$"),
        (seeded.txs["send_carol"], f"#/tx/{seeded.txs['send_carol']}$"),
        (seeded.carol.address, f"#/account/{seeded.carol.address}$"),
        ("bob-node", f"#/node/{seeded.bob.address}$"),
    ]
    for query, url in cases:
        box.fill(query)
        box.press("Enter")
        expect(page).to_have_url(re.compile(url))
    box.fill("no-such-thing")
    box.press("Enter")
    expect(page.locator(".error")).to_contain_text("nothing matches")


def test_governance_page_is_truthful(page: Page, devnet: DevnetProcess) -> None:
    page.goto("/#/governance")
    committee = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Committee")))
    expect(committee).to_contain_text("devnet-node")
    has_module = devnet.client.get("/governance/proposals").status_code == 200
    if has_module:
        expect(page.get_by_role("heading", name=re.compile(r"^Proposals \(\d+\)$"))).to_be_visible()
    else:
        expect(page.locator("[data-field=no-governance]")).to_contain_text("No governance proposals module")
    expect(page.get_by_role("heading", name="Parameters: emission")).to_be_visible()
