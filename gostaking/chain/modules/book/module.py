"""The book module's declaration: limit orders on base/GOS markets, escrowed when placed and cleared by a batch
auction at the end of each block at one uniform price per market (docs/book.md)."""

from gostaking.chain.constants import MODULE_BOOK
from gostaking.chain.env import Context
from gostaking.chain.errors import ChainError, InvalidGenesisError
from gostaking.chain.genesis import Genesis, decode_module_genesis
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.book.invariants import check_depth, check_escrow, check_uncrossed
from gostaking.chain.modules.book.lifecycle import (
    observe_burned_clearing_prices,
    process_auctions,
    process_expiries,
)
from gostaking.chain.modules.book.mutations import list_market
from gostaking.chain.modules.book.params import validate_book_params
from gostaking.chain.modules.book.queries import compute_listed_market
from gostaking.chain.modules.book.tables import BOOK_PARAMS
from gostaking.chain.params import init_module_params
from gostaking.chain.state import State
from gostaking.chain.types.book import BookGenesis, BookParams

SECTION = ParamsSection("book", BookParams, validate_book_params, table=BOOK_PARAMS)


def init_book_genesis(state: State, ctx: Context, genesis: Genesis) -> None:
    """Store the parameters and list the genesis markets. A genesis without a `book` section writes nothing (the
    parameters are their defaults), so chains from before the module keep their app hashes."""
    section = decode_module_genesis(genesis, "book", BookGenesis)
    if not isinstance(section, BookGenesis):
        return
    init_module_params(state, SECTION, section.params)
    for listing in section.markets:
        try:
            market = compute_listed_market(
                state,
                listing.denom,
                listing.tick_ugos,
                listing.lot,
                listing.maker_fee_ppm,
                listing.taker_fee_ppm,
                listing.min_notional_ugos,
                ctx.height,
            )
        except ChainError as error:
            raise InvalidGenesisError(f"book market {listing.denom}: {error}") from error
        list_market(state, ctx, listing.denom, market)


MODULE = Module(
    name="book",
    package=__package__,
    params=(SECTION,),
    genesis=init_book_genesis,
    end_block=(observe_burned_clearing_prices, process_auctions, process_expiries),
    invariants=(check_escrow, check_depth, check_uncrossed),
    accounts=(MODULE_BOOK,),
)
