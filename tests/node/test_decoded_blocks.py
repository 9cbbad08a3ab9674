"""DecodedBlocks (node/blocks.py): the recent blocks the node's API reads again and again, kept decoded; and
GoStakingApp.block over it, which never serves a block the node no longer stores."""

from collections.abc import Callable

from test_node_app import start

from gostaking.node.blocks import ZERO_HASH, BlockHeader, DecodedBlocks, StoredBlock, encode_block
from gostaking.node.producer import BlockProducer
from gostaking.storage import MemoryStore


def stored(height: int, txs: int = 0) -> bytes:
    header = BlockHeader("c", height, height * 1_000, "P", ZERO_HASH, ZERO_HASH, ZERO_HASH, ZERO_HASH)
    return encode_block(StoredBlock(header, (), tuple(bytes([height, i]) * 100 for i in range(txs)), (), (), ()))


def counting_reader(blocks: dict[int, bytes]) -> tuple[Callable[[int], bytes | None], list[int]]:
    reads: list[int] = []

    def read(height: int) -> bytes | None:
        reads.append(height)
        return blocks.get(height)

    return read, reads


def test_a_kept_block_is_not_read_again_and_the_least_recent_goes_first() -> None:
    read, reads = counting_reader({h: stored(h) for h in range(1, 5)})
    blocks = DecodedBlocks(max_blocks=2)
    first = blocks.get(1, read)
    assert first is not None and first.height == 1
    assert blocks.get(1, read) is first and reads == [1]
    blocks.get(2, read)
    blocks.get(1, read)  # 1 is now the most recent: 3 pushes 2 out
    blocks.get(3, read)
    assert reads == [1, 2, 3]
    blocks.get(1, read)
    blocks.get(2, read)
    assert reads == [1, 2, 3, 2]
    assert blocks.get(9, read) is None and blocks.get(9, read) is None and reads[-2:] == [9, 9]  # absence not kept


def test_the_kept_blocks_stay_within_their_bytes_and_a_larger_one_is_not_kept() -> None:
    raw = {h: stored(h, txs=10) for h in range(1, 5)}  # ~2 KB each
    read, reads = counting_reader(raw)
    blocks = DecodedBlocks(max_blocks=100, max_bytes=2 * len(raw[1]))
    for height in (1, 2, 3, 1, 2):
        block = blocks.get(height, read)
        assert block is not None and len(block.txs) == 10
    assert reads == [1, 2, 3, 1, 2], "only two fit: each came back after two others"
    small = DecodedBlocks(max_bytes=len(raw[1]) - 1)
    read_small, reads_small = counting_reader(raw)
    small.get(1, read_small)
    small.get(1, read_small)
    assert reads_small == [1, 1]


def test_the_app_serves_blocks_it_stores_and_not_those_it_pruned_after_reading_them(
    genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer: BlockProducer = start(MemoryStore(), genesis_json, clock)
    app = producer.app
    for _ in range(5):
        producer.produce_block()
    blocks = [app.block(height) for height in range(1, app.height + 1)]
    assert [b.height for b in blocks if b is not None] == list(range(1, app.height + 1))
    assert app.block(app.height + 1) is None and app.block(0) is None
    assert app.prune_blocks(4, max_entries=1_000) == 3
    assert [app.block(h) for h in (1, 2, 3)] == [None, None, None], "kept decoded, but no longer stored"
    assert app.block(4) == blocks[3]
