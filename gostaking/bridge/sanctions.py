"""OFAC SDN import: digital currency addresses of sanctioned parties → MsgUpdateSanctions batches.

Formats read (as OFAC publishes them):
- `sdn.csv` (no header; columns ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
  Vess_flag, Vess_owner, Remarks; "-0-" means empty). Addresses are in Remarks as
  "Digital Currency Address - XBT 1ABC…;". Remarks too long for the file continue in `sdn_comments.csv`
  (ent_num, Remarks_Extended), which is joined when given. `add.csv` and `alt.csv` hold postal addresses and
  aliases, never digital currency addresses, so they are not needed here.
- `sdn.xml`: `<sdnEntry><uid>…<idList><id><idType>Digital Currency Address - ETH</idType><idNumber>0x…`.
- `SDN_ADVANCED.xml`: `<FeatureType ID="…">Digital Currency Address - XBT</FeatureType>` in the reference value
  sets, and per party `<Feature FeatureTypeID="…"><FeatureVersion><VersionDetail>address</VersionDetail>`.

The result is a set of (hosted chain, address). Diffing it against the chain's list (its OFAC-SDN entries on the
imported hosted chains) gives additions and removals; both are sent, in batches of at most 1000 updates (the
chain's limit per message). Each batch is a compliance council approval: because every member diffs the same file
against the same chain list, members send identical batches, which is what makes their approvals add up. Batches
this member already approved (still waiting for others) are not sent again. What the node says about the chain's
list and pending approvals is checked with Merkle proofs (plan_import).
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gostaking.bridge.errors import SanctionsFormatError
from gostaking.bridge.proofs import ProvenState, VerifiedReader, council_approval_key, sanction_key
from gostaking.bridge.store import write_atomically
from gostaking.chain.modules.custody.queries import compute_sanctions_subject
from gostaking.chain.types.custody import SanctionEntry
from gostaking.chain.types.tx import MsgUpdateSanctions, SanctionUpdate

MAX_UPDATES_PER_MSG = 1_000
SOURCE = "OFAC-SDN"
FEATURE_PREFIX = "Digital Currency Address - "

CURRENCY_CHAINS = {
    "XBT": "bitcoin",
    "ETH": "ethereum",
    "ETC": "ethereum-classic",
    "LTC": "litecoin",
    "BCH": "bitcoin-cash",
    "BSV": "bitcoin-sv",
    "BTG": "bitcoin-gold",
    "DASH": "dash",
    "XMR": "monero",
    "ZEC": "zcash",
    "XVG": "verge",
    "TRX": "tron",
    "XRP": "ripple",
    "ARB": "arbitrum",
    "BSC": "bsc",
    "SOL": "solana",
}
"""OFAC currency codes → GoStaking hosted-chain names. Tokens (USDT, USDC, …) are placed by address form."""

_EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_REMARK = re.compile(r"Digital Currency Address - ([A-Za-z0-9]+)\s+([A-Za-z0-9:]+)")


@dataclass(frozen=True, order=True)
class SanctionedAddress:
    """One listed address on one hosted chain (addresses are compared lower-case, as the chain does)."""

    hosted_chain: str
    address: str


def chain_for(currency: str, address: str) -> str | None:
    """The hosted chain an OFAC currency code and address belong to, or None when unknown."""
    code = currency.upper()
    if code in CURRENCY_CHAINS:
        return CURRENCY_CHAINS[code]
    if _EVM_ADDRESS.match(address):
        return "ethereum"  # ERC-20 tokens (USDT, USDC…) listed with an EVM address
    if address.startswith("T") and len(address) == 34:
        return "tron"
    return None


def _entry(currency: str, address: str) -> SanctionedAddress | None:
    address = address.strip().rstrip(";,.")
    chain = chain_for(currency, address)
    if chain is None or not address:
        return None
    return SanctionedAddress(chain, address.lower())


def parse_sdn_csv(sdn: str, comments: str | None = None) -> set[SanctionedAddress]:
    """Addresses in the Remarks of sdn.csv (plus sdn_comments.csv continuations when given)."""
    extended: dict[str, str] = {}
    if comments:
        for row in csv.reader(io.StringIO(comments)):
            if len(row) >= 2:
                extended[row[0].strip()] = extended.get(row[0].strip(), "") + row[1]
    found: set[SanctionedAddress] = set()
    for line, row in enumerate(csv.reader(io.StringIO(sdn)), start=1):
        if not row or (len(row) == 1 and not row[0].strip()) or row[0].strip() == "\x1a":
            continue  # blank lines and the DOS end-of-file marker OFAC files end with
        if len(row) != 12:
            raise SanctionsFormatError(f"sdn.csv line {line}: expected 12 columns, found {len(row)}")
        remarks = "" if row[11].strip() == "-0-" else row[11]
        remarks += extended.get(row[0].strip(), "")
        for currency, address in _REMARK.findall(remarks):
            entry = _entry(currency, address)
            if entry is not None:
                found.add(entry)
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ElementTree.Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _iterparse(source: bytes) -> Iterator[tuple[str, ElementTree.Element]]:
    try:
        yield from ElementTree.iterparse(io.BytesIO(source), events=("end",))
    except ElementTree.ParseError as error:
        raise SanctionsFormatError(f"not well-formed XML: {error}") from error


def parse_sdn_xml(source: bytes) -> set[SanctionedAddress]:
    """Addresses in the idList of sdn.xml entries (idType 'Digital Currency Address - …')."""
    found: set[SanctionedAddress] = set()
    seen_root = False
    for _, element in _iterparse(source):
        name = _local(element.tag)
        if name == "id":
            id_type = _child_text(element, "idType")
            if id_type.startswith(FEATURE_PREFIX):
                entry = _entry(id_type.removeprefix(FEATURE_PREFIX), _child_text(element, "idNumber"))
                if entry is not None:
                    found.add(entry)
        elif name == "sdnEntry":
            element.clear()  # stream: the real file has ~15,000 entries
        elif name == "sdnList":
            seen_root = True
    if not seen_root:
        raise SanctionsFormatError("not an SDN XML file: no <sdnList> root")
    return found


def parse_sdn_advanced(source: bytes) -> set[SanctionedAddress]:
    """Addresses in the Features of SDN_ADVANCED.xml whose FeatureType is 'Digital Currency Address - …'."""
    feature_types: dict[str, str] = {}
    found: set[SanctionedAddress] = set()
    seen_root = False
    for _, element in _iterparse(source):
        name = _local(element.tag)
        if name == "FeatureType" and element.get("ID") is not None:
            feature_types[element.get("ID", "")] = (element.text or "").strip()
        elif name == "Feature":
            kind = feature_types.get(element.get("FeatureTypeID", ""), "")
            if kind.startswith(FEATURE_PREFIX):
                for detail in element.iter():
                    if _local(detail.tag) == "VersionDetail" and detail.text:
                        entry = _entry(kind.removeprefix(FEATURE_PREFIX), detail.text)
                        if entry is not None:
                            found.add(entry)
            element.clear()
        elif name == "DistinctParty":
            element.clear()
        elif name == "Sanctions":
            seen_root = True
    if not seen_root:
        raise SanctionsFormatError("not an SDN_ADVANCED file: no <Sanctions> root")
    return found


def load_sdn(path: Path, comments: Path | None = None) -> set[SanctionedAddress]:
    """Parse an SDN file, choosing the format from its content (CSV, sdn.xml or SDN_ADVANCED.xml)."""
    raw = path.read_bytes()
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return parse_sdn_advanced(raw) if b"<Sanctions" in raw[:4096] else parse_sdn_xml(raw)
    text = raw.decode("utf-8", errors="replace")
    return parse_sdn_csv(text, comments.read_text(encoding="utf-8", errors="replace") if comments else None)


def diff(previous: set[SanctionedAddress], current: set[SanctionedAddress]) -> list[SanctionUpdate]:
    """Updates turning `previous` into `current`: removals then additions, each sorted (deterministic)."""
    removed = [SanctionUpdate(a.hosted_chain, a.address, False, SOURCE) for a in sorted(previous - current)]
    added = [SanctionUpdate(a.hosted_chain, a.address, True, SOURCE) for a in sorted(current - previous)]
    return removed + added


def batches(updates: list[SanctionUpdate], size: int = MAX_UPDATES_PER_MSG) -> list[MsgUpdateSanctions]:
    """MsgUpdateSanctions messages of at most `size` updates."""
    return [MsgUpdateSanctions(updates[i : i + size]) for i in range(0, len(updates), size)]


def listed_on_chain(rows: Iterable[dict[str, Any]], chains: set[str]) -> set[SanctionedAddress]:
    """The entries of the chain's sanctions list (GET /custody/sanctions rows) that this import manages: those from
    the SDN list on the imported hosted chains (entries from other sources are left alone)."""
    return {
        SanctionedAddress(row["hosted_chain"], row["address"])
        for row in rows
        if row["source"] == SOURCE and row["hosted_chain"] in chains
    }


@dataclass(frozen=True)
class ImportPlan:
    """What one council member's import sends, and what it skips because that member already approved it."""

    to_send: list[MsgUpdateSanctions]
    approved_already: list[MsgUpdateSanctions]


def plan_import(
    current: set[SanctionedAddress],
    reported_rows: Iterable[dict[str, Any]],
    chains: set[str],
    approver: str,
    reader: VerifiedReader,
) -> ImportPlan:
    """Batches turning the chain's list into `current`, minus those `approver` already approved (sending one again
    would only fail and cost a fee).

    The node is not trusted: `reported_rows` (GET /custody/sanctions) only suggests which entries to look at. Every
    address of the file and every SDN entry the node reports is read with a Merkle proof, so a lying node can make
    the import neither skip an addition nor remove an address; whether `approver` already approved a batch is
    proven the same way (the decision's pending approvals). No proof can show an entry the node hides that the
    file no longer names (the state tree has no proof of a whole table): its removal is missed and the address
    stays held, the safe side, until an honest node is asked."""
    candidates = sorted(current | listed_on_chain(reported_rows, chains))
    listings = reader.read_each(candidates, _sanction_key, _listing)
    listed = {a for a, listing in zip(candidates, listings, strict=True) if listing and listing.source == SOURCE}
    messages = batches(diff(listed, current))
    subjects = [compute_sanctions_subject(message.updates) for message in messages]
    pending = reader.read_each(subjects, council_approval_key, lambda proven, s: proven.council_approval(s))
    plan = ImportPlan([], [])
    for message, approvals in zip(messages, pending, strict=True):
        done = approvals is not None and approver in approvals.approvers
        (plan.approved_already if done else plan.to_send).append(message)
    return plan


def _sanction_key(entry: SanctionedAddress) -> bytes:
    return sanction_key(entry.hosted_chain, entry.address)


def _listing(proven: ProvenState, entry: SanctionedAddress) -> SanctionEntry | None:
    return proven.sanction(entry.hosted_chain, entry.address)


def restrict(entries: Iterable[SanctionedAddress], chains: set[str]) -> set[SanctionedAddress]:
    """Only the entries on hosted chains GoStaking custodies (others would cost fees for nothing)."""
    return {e for e in entries if e.hosted_chain in chains}


class SanctionsSnapshot:
    """The last import applied, persisted as JSON: the base of the next diff and the gateway's local screen."""

    def __init__(self, path: Path) -> None:
        """The snapshot stored at `path` (empty when the file does not exist)."""
        self.path = path
        self.entries: set[SanctionedAddress] = set()
        if path.exists():
            try:
                self.entries = {SanctionedAddress(c, a) for c, a in json.loads(path.read_text())["entries"]}
            except (ValueError, KeyError, TypeError) as error:
                raise SanctionsFormatError(f"{path} is not a sanctions snapshot: {error}") from error

    def is_listed(self, hosted_chain: str, address: str) -> bool:
        """True when the address is on the imported list."""
        return SanctionedAddress(hosted_chain, address.strip().lower()) in self.entries

    def replace(self, entries: set[SanctionedAddress]) -> None:
        """Record `entries` as the applied list (atomically)."""
        self.entries = set(entries)
        document = {"source": SOURCE, "entries": [[e.hosted_chain, e.address] for e in sorted(entries)]}
        write_atomically(self.path, (json.dumps(document, indent=0) + "\n").encode())
