"""The block-counted cumulative price (gostaking/chain/twap.py) against a plain model: the average over a window is
the mean of the prices in force at its blocks, a price observed at the end of block h being in force from h + 1."""

from hypothesis import given, settings
from hypothesis import strategies as st

from gostaking.chain.twap import (
    PriceAccumulator,
    cumulative_at,
    observe_no_price,
    observe_price,
    time_weighted_average,
)

P = 1_000


def test_the_first_observation_starts_the_sum_and_no_window_reaches_before_it() -> None:
    acc = observe_price(PriceAccumulator(), 10, P)
    assert acc == PriceAccumulator(price=P, since_height=10, cumulative=0, first_height=10)
    assert cumulative_at(acc, 10) == 0 and cumulative_at(acc, 13) == 3 * P
    assert time_weighted_average(acc, 13, 10, cumulative_at(acc, 10)) == P
    # a checkpoint taken before the first price (at 9, when nothing was in force) starts no average
    assert time_weighted_average(acc, 13, 9, 0) is None


def test_no_average_without_a_price_or_over_an_empty_window() -> None:
    assert time_weighted_average(PriceAccumulator(), 5, 0, 0) is None
    acc = observe_price(PriceAccumulator(), 1, P)
    assert time_weighted_average(acc, 4, 4, cumulative_at(acc, 4)) is None  # (4, 4] holds no block
    assert time_weighted_average(acc, 4, 6, cumulative_at(acc, 6)) is None  # a checkpoint after the height


def test_a_price_counts_from_the_block_after_its_observation_and_the_last_one_of_a_block_wins() -> None:
    acc = observe_price(PriceAccumulator(), 1, P)
    checkpoint = cumulative_at(acc, 4)
    pushed = observe_price(observe_price(acc, 6, 9 * P), 6, P)  # pushed and reverted inside block 6
    assert pushed.cumulative == observe_price(acc, 6, P).cumulative
    assert time_weighted_average(pushed, 9, 4, checkpoint) == P
    held = observe_price(observe_price(acc, 6, 9 * P), 7, P)  # in force for block 7 alone
    assert time_weighted_average(held, 9, 4, checkpoint) == (4 * P + 9 * P) // 5


def test_a_withdrawn_price_ends_every_window_that_spans_the_gap() -> None:
    acc = observe_price(PriceAccumulator(), 1, P)
    before_gap = cumulative_at(acc, 3)
    withdrawn = observe_no_price(acc, 5)
    assert withdrawn.price == 0 and withdrawn.cumulative == 4 * P
    assert time_weighted_average(withdrawn, 6, 3, before_gap) is None
    back = observe_price(withdrawn, 8, 2 * P)
    assert back.first_height == 8 and cumulative_at(back, 10) == 4 * P + 2 * 2 * P  # nothing summed in the gap
    assert time_weighted_average(back, 10, 3, before_gap) is None  # starts before the price came back
    assert time_weighted_average(back, 10, 8, cumulative_at(back, 8)) == 2 * P


# One observation per block, as the dex observes: (blocks since the previous one ≥ 1, price or None = withdrawn).
observations = st.lists(st.tuples(st.integers(1, 4), st.one_of(st.none(), st.integers(1, 10**30))), max_size=12)


@settings(max_examples=300, deadline=None)
@given(steps=observations, data=st.data())
def test_the_average_is_the_mean_of_the_prices_in_force(
    steps: list[tuple[int, int | None]], data: st.DataObject
) -> None:
    acc = PriceAccumulator()
    at_end_of: dict[int, PriceAccumulator] = {0: acc}  # the accumulator after each observed block
    height = 0
    for gap, price in steps:
        height += gap
        acc = observe_price(acc, height, price) if price else observe_no_price(acc, height)
        at_end_of[height] = acc
    last = height + 3
    checkpoint_height = data.draw(st.integers(0, last), label="checkpoint")
    query_height = data.draw(st.integers(height, last), label="query")
    then = at_end_of[max(h for h in at_end_of if h <= checkpoint_height)]
    checkpoint = cumulative_at(then, checkpoint_height)

    def in_force(block: int) -> int | None:
        """The price observed at the end of the last observed block before `block`."""
        return at_end_of[max(h for h in at_end_of if h < block)].price or None

    window = range(checkpoint_height + 1, query_height + 1)
    # defined when a price is in force at every block of the window and after it (the price now)
    defined = bool(window) and all(in_force(b) is not None for b in range(checkpoint_height + 1, query_height + 2))
    expected = sum(in_force(b) or 0 for b in window) // len(window) if defined else None
    assert time_weighted_average(acc, query_height, checkpoint_height, checkpoint) == expected
