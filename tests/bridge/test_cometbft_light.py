"""The gateway's CometBFT light client: its hand-written encodings against a real CometBFT v0.38 network's answers
(fixtures) and the generated protobuf stubs, then its checks on synthetic chains signed with test keys: adjacent
and skipping verification, bisection across a full change of validators, refusals of altered headers, forged
validator sets, too few signatures, expired or future headers, and the hash chain below the trusted header."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gostaking.bridge.cometbft_encoding import (
    BLOCK_ID_FLAG_COMMIT,
    BlockId,
    Header,
    PartSetHeader,
    Timestamp,
    merkle_root,
    precommit_sign_bytes,
    uvarint,
    validator_bytes,
    validator_set_hash,
)
from gostaking.bridge.cometbft_light import CometLightClient
from gostaking.bridge.cometbft_verify import (
    Commit,
    CommitSig,
    HeaderVerificationError,
    LightBlock,
    SignedHeader,
    TrustedHeader,
    Validator,
    parse_signed_header,
    parse_time,
    parse_validators,
    verify_commit,
    verify_light_block,
    verify_signed_header,
)
from gostaking.bridge.errors import StateFileError, StateVerificationError, VerificationUnavailableError

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "cometbft_v0.38_commits.json").read_text())
CHAIN = "test-chain"
SECOND = 1_000_000_000
START_NS = 1_700_000_000 * SECOND
HOUR = 3_600 * SECOND


# --- encodings against CometBFT itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("height", ["1", "3"])
def test_header_hashes_validator_set_and_signatures_match_a_real_cometbft_network(height: str) -> None:
    signed = parse_signed_header(FIXTURE["commits"][height])
    validators = parse_validators(FIXTURE["validators"])
    header = signed.header
    assert header.hash() == signed.commit.block_id.hash  # CometBFT's block id is its header hash
    assert validator_set_hash([(v.public_key, v.power) for v in validators]) == header.validators_hash
    assert [v.address for v in validators] == [bytes.fromhex(v["address"]) for v in FIXTURE["validators"]]
    verify_signed_header(signed, header.chain_id)
    verify_commit(header.chain_id, validators, signed)  # every precommit signature verifies over our vote bytes
    if height == "1":
        assert signed.commit.round == 1 and signed.header.last_block_id.is_zero  # both edge cases covered


def test_encodings_agree_with_the_generated_protobuf_stubs() -> None:
    stubs = pytest.importorskip("gostaking.node.abci.proto")
    if stubs.stubs_problem() is not None:
        pytest.skip(stubs.stubs_problem())
    from google.protobuf.timestamp_pb2 import Timestamp as ProtoTimestamp

    keys = stubs.crypto_keys()
    validator = stubs.types_validator()
    public_key = bytes(range(32))
    simple = validator.SimpleValidator(pub_key=keys.PublicKey(ed25519=public_key), voting_power=10)
    assert validator_bytes(public_key, 10) == simple.SerializeToString(deterministic=True)
    assert validator.BLOCK_ID_FLAG_COMMIT == BLOCK_ID_FLAG_COMMIT
    for seconds, nanos in [(1_700_000_000, 123_456_789), (0, 0), (-62_135_596_800, 0), (5, 0)]:
        assert Timestamp(seconds, nanos).encode() == ProtoTimestamp(seconds=seconds, nanos=nanos).SerializeToString()


def test_rfc6962_merkle_roots_and_varints() -> None:
    import hashlib

    def h(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    assert merkle_root([]) == h(b"")
    assert merkle_root([b"a"]) == h(b"\x00a")
    three = h(b"\x01" + h(b"\x01" + h(b"\x00a") + h(b"\x00b")) + h(b"\x00c"))
    assert merkle_root([b"a", b"b", b"c"]) == three
    assert uvarint(0) == b"\x00" and uvarint(300) == b"\xac\x02" and uvarint(-1) == b"\xff" * 9 + b"\x01"
    assert parse_time("2026-12-05T23:21:37.47Z") == Timestamp(1_796_512_897, 470_000_000)
    assert parse_time("1970-01-01T00:00:00Z") == Timestamp(0, 0)
    for bad in ["2026-12-05T23:21:37.47", "2026-12-05T23:21:37.1234567890Z", "yesterday"]:
        with pytest.raises(ValueError):
            parse_time(bad)


# --- synthetic chains --------------------------------------------------------------------------------------------


def keypair(seed: int) -> tuple[Ed25519PrivateKey, Validator]:
    private = Ed25519PrivateKey.from_private_bytes(seed.to_bytes(32, "big"))
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, Validator(public, 10)


V1 = [keypair(seed) for seed in range(1, 5)]
V2 = [keypair(seed) for seed in range(11, 15)]


def sorted_set(members: list[tuple[Ed25519PrivateKey, Validator]]) -> list[tuple[Ed25519PrivateKey, Validator]]:
    return sorted(members, key=lambda m: (-m[1].power, m[1].address))


def set_hash(members: list[tuple[Ed25519PrivateKey, Validator]]) -> bytes:
    return validator_set_hash([(v.public_key, v.power) for _, v in sorted_set(members)])


@dataclass
class Chain:
    """Headers 1..n; the validators of each height from `sets(height)`, each block signed by `signers(height)`."""

    sets: Callable[[int], list[tuple[Ed25519PrivateKey, Validator]]]
    length: int = 30
    signers: Callable[[int], int] = lambda _: 4
    blocks: dict[int, LightBlock] = field(default_factory=dict)

    def __post_init__(self) -> None:
        last = BlockId(b"", PartSetHeader(0, b""))
        for height in range(1, self.length + 1):
            members = sorted_set(self.sets(height))
            header = Header(
                11,
                1,
                CHAIN,
                height,
                Timestamp((START_NS + height * SECOND) // SECOND, 0),
                last,
                b"\x01" * 32,
                b"\x02" * 32,
                set_hash(members),
                set_hash(self.sets(height + 1)),
                b"\x03" * 32,
                height.to_bytes(32, "big"),  # the app hash after block height - 1
                b"\x04" * 32,
                b"\x05" * 32,
                members[0][1].address,
            )
            self.blocks[height] = self.sign(header, members, self.signers(height))
            last = BlockId(header.hash(), PartSetHeader(1, b"\x06" * 32))

    @staticmethod
    def sign(header: Header, members: list[tuple[Ed25519PrivateKey, Validator]], count: int) -> LightBlock:
        block_id = BlockId(header.hash(), PartSetHeader(1, b"\x06" * 32))
        signatures = []
        for index, (private, validator) in enumerate(members):
            time = Timestamp(header.time.seconds + 1, index)
            if index < count:
                message = precommit_sign_bytes(CHAIN, header.height, 0, block_id, time)
                signatures.append(CommitSig(BLOCK_ID_FLAG_COMMIT, validator.address, time, private.sign(message)))
            else:
                signatures.append(CommitSig(1, b"", Timestamp(0, 0), b""))
        commit = Commit(header.height, 0, block_id, tuple(signatures))
        return LightBlock(SignedHeader(header, commit), tuple(v for _, v in members))


class Source:
    """Serves a chain's blocks like CometRpcSource, up to `tip`; counts what it served."""

    def __init__(self, chain: Chain, tip: int | None = None) -> None:
        self.chain = chain
        self.tip = chain.length if tip is None else tip
        self.urls = ["test"]
        self.served: list[int] = []
        self.replace: dict[int, LightBlock] = {}

    def light_block(self, height: int) -> LightBlock | None:
        if height > self.tip:
            return None
        self.served.append(height)
        return self.replace.get(height, self.chain.blocks[height])

    def header(self, height: int) -> Header | None:
        return self.light_block(height).signed_header.header if height <= self.tip else None  # type: ignore[union-attr]

    def latest_height(self) -> int:
        return self.tip


def client(source: Any, path: Path, trust_height: int | None = 1, **options: Any) -> CometLightClient:
    trust_hash = None if trust_height is None else source.chain.blocks[trust_height].signed_header.header.hash().hex()
    options.setdefault("now_ns", lambda: START_NS + 100 * SECOND)
    options.setdefault("header_wait_s", 0)
    return CometLightClient(source, path, trust_height=trust_height, trust_hash=trust_hash, **options)


def app_hash_after(height: int) -> bytes:
    return (height + 1).to_bytes(32, "big")


def test_app_hashes_are_confirmed_adjacently_and_by_skipping_and_the_trust_is_kept(tmp_path: Path) -> None:
    source = Source(Chain(lambda _: V1))
    light = client(source, tmp_path / "light.json")
    light.confirm(1, app_hash_after(1))  # header 2: adjacent to the trusted header 1
    light.confirm(20, app_hash_after(20))  # header 21: skipping, 4 of the trusted 4 signed
    assert light.trusted is not None and light.trusted.height == 21
    with pytest.raises(StateVerificationError, match="the header of block 21 that the validators signed says"):
        light.confirm(20, b"\xee" * 32)
    # A restart keeps the trusted header: no --trust-height needed, and it is where verification resumes.
    again = client(source, tmp_path / "light.json", trust_height=None)
    assert "header 21" in again.describe()
    source.served.clear()
    again.confirm(25, app_hash_after(25))
    assert source.served == [26]
    # A node a little behind: headers below the trusted one are checked along the hash chain.
    again.confirm(17, app_hash_after(17))
    assert again.app_hash_after(16) == app_hash_after(16)


def test_bisection_crosses_a_full_change_of_validators(tmp_path: Path) -> None:
    source = Source(Chain(lambda height: V1 if height < 10 else V2))
    light = client(source, tmp_path / "light.json")
    light.confirm(24, app_hash_after(24))
    assert 10 in source.served and light.trusted is not None and light.trusted.height == 25


def test_a_forged_validator_set_cannot_sign_for_the_chain(tmp_path: Path) -> None:
    # An attacker's own keys, declared as the validators from height 10 on: the headers chain up and are signed by
    # "their" validators, but the trusted set never handed over to them.
    honest = Chain(lambda _: V1)
    forged = Chain(lambda height: V1 if height < 10 else V2)
    source = Source(honest)
    for height in range(10, 31):
        source.replace[height] = forged.blocks[height]
    with pytest.raises(HeaderVerificationError, match="not the next validators header 9 named"):
        client(source, tmp_path / "light.json").confirm(24, app_hash_after(24))


def test_an_altered_header_too_few_signatures_and_bad_times_are_refused(tmp_path: Path) -> None:
    chain = Chain(lambda _: V1, signers=lambda height: 2 if height == 6 else 4)
    trusted = TrustedHeader.of(chain.blocks[1])
    now, period, drift = START_NS + 100 * SECOND, 24 * HOUR, 10 * SECOND

    def check(block: LightBlock, now_ns: int = now) -> None:
        verify_light_block(CHAIN, trusted, block, now_ns, period, drift)

    check(chain.blocks[5])
    block = chain.blocks[5]
    altered = replace(
        block,
        signed_header=replace(block.signed_header, header=replace(block.signed_header.header, app_hash=b"\x00" * 32)),
    )
    with pytest.raises(HeaderVerificationError, match="the header was altered"):
        check(altered)
    with pytest.raises(HeaderVerificationError, match="only 20 of 40 voting power signed header 6"):
        check(chain.blocks[6])
    with pytest.raises(HeaderVerificationError, match="older than the trusting period"):
        check(chain.blocks[5], now_ns=START_NS + 25 * HOUR)
    with pytest.raises(HeaderVerificationError, match="dated in the future"):
        check(chain.blocks[5], now_ns=START_NS - 20 * SECOND)
    with pytest.raises(HeaderVerificationError, match="is of chain"):
        verify_light_block("other-chain", trusted, chain.blocks[5], now, period, drift)
    wrong_set = replace(block, validators=tuple(v for _, v in V2))
    with pytest.raises(HeaderVerificationError, match="not the header's"):
        check(wrong_set)
    forged_sig = replace(block.signed_header.commit.signatures[0], signature=b"\x00" * 64)
    commit = replace(block.signed_header.commit, signatures=(forged_sig, *block.signed_header.commit.signatures[1:]))
    with pytest.raises(HeaderVerificationError, match="wrong signature"):
        check(replace(block, signed_header=replace(block.signed_header, commit=commit)))


def test_the_trust_anchor_must_be_the_chains_header_and_is_needed_once(tmp_path: Path) -> None:
    source = Source(Chain(lambda _: V1))
    with pytest.raises(ValueError, match="holds no trusted header yet"):
        CometLightClient(source, tmp_path / "light.json")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="give both"):
        CometLightClient(source, tmp_path / "light.json", trust_height=1)  # type: ignore[arg-type]
    wrong = CometLightClient(
        source,  # type: ignore[arg-type]
        tmp_path / "light.json",
        trust_height=1,
        trust_hash="00" * 32,
        now_ns=lambda: START_NS + 100 * SECOND,
    )
    with pytest.raises(HeaderVerificationError, match="not the trusted"):
        wrong.confirm(3, app_hash_after(3))
    (tmp_path / "damaged.json").write_text("{")
    with pytest.raises(StateFileError, match="damaged"):
        client(source, tmp_path / "damaged.json")


def test_a_header_not_committed_yet_defers_and_an_old_trust_must_be_renewed(tmp_path: Path) -> None:
    source = Source(Chain(lambda _: V1), tip=10)
    light = client(source, tmp_path / "light.json")
    with pytest.raises(VerificationUnavailableError, match=r"block 11 .* was not committed within 0 s"):
        light.confirm(10, app_hash_after(10))
    source.tip = 30
    light.confirm(10, app_hash_after(10))
    stale = client(source, tmp_path / "light.json", trust_height=None, now_ns=lambda: START_NS + 15 * 24 * HOUR)
    with pytest.raises(HeaderVerificationError, match="older than the trusting period"):
        stale.confirm(20, app_hash_after(20))
    # A fresh anchor from the operator replaces the expired one.
    renewed = client(source, tmp_path / "light.json", trust_height=25, now_ns=lambda: START_NS + 100 * SECOND)
    renewed.confirm(27, app_hash_after(27))
    assert renewed.trusted is not None and renewed.trusted.height == 28


def test_a_gateway_with_no_work_keeps_its_trusted_header_from_expiring(tmp_path: Path) -> None:
    source = Source(Chain(lambda _: V1), tip=12)
    light = client(source, tmp_path / "light.json", now_ns=lambda: START_NS + 30 * SECOND)
    light.keep_fresh()  # the trusted header (block 1) is 29 s old: nothing to do
    assert light.trusted is not None and light.trusted.height == 1 and source.served == [1]
    later = client(source, tmp_path / "light.json", trust_height=None, now_ns=lambda: START_NS + 2 * HOUR)
    later.keep_fresh()  # an hour later: the newest header becomes the trusted one
    assert later.trusted is not None and later.trusted.height == 12
