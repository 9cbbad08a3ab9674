// The order book's arithmetic as the chain does it (gostaking/chain/modules/book/queries.py), in BigInt: a price is
// ugos per whole unit of the base (10^decimals base units), a quantity base units. What an order escrows, its
// worst-case fee, the checks the chain makes on its shape, and a market order's limit from the book
// (gostaking/cli/book.py's plan_market_order). tests/app/vectors.json holds the Python results these must equal.

export const PPM = 1_000_000n;
/** ugos that `quantity` base units cost at `price` ugos per whole unit (exact for a listed tick and lot). */
export function notional(quantity, price, decimals) {
  return (quantity * price) / 10n ** BigInt(decimals);
}

const ceilDiv = (a, b) => (a + b - 1n) / b;

/** The taker fee on an order's notional at its limit, rounded up: the most its fills can be charged at that price. */
export function worstFee(quantity, price, decimals, takerFeePpm) {
  return ceilDiv(notional(quantity, price, decimals) * takerFeePpm, PPM);
}

/** The rounding reserve a buy of `quantity` escrows on `market` (refunded when it closes): the chain's
 * `rounding_reserve_ugos_per_lot` of GET /book/markets (0 before the first GOS burn) for each lot. */
export function roundingReserve(market, quantity) {
  return market.roundingReservePerLot * (quantity / market.lot);
}

/** What placing the order takes now on `market` ({decimals, lot, takerFeePpm, roundingReservePerLot}): for a buy,
 * ugos for its notional at its limit plus the worst-case (taker) fee rounded up and the rounding reserve; for a
 * sell, its base units. */
export function orderEscrow(market, side, quantity, price) {
  if (side !== 'buy') return quantity;
  return notional(quantity, price, market.decimals) + worstFee(quantity, price, market.decimals, market.takerFeePpm)
    + roundingReserve(market, quantity);
}

/** Why the chain would refuse this order's shape on `market` (ticks, lots and minimum in base units and ugos), or
 * null: {code, ...} for the page to put in words. */
export function orderProblem(market, price, quantity) {
  if (price <= 0n) return { code: 'price' };
  if (quantity <= 0n) return { code: 'quantity' };
  if (price % market.tick !== 0n) return { code: 'tick' };
  if (quantity % market.lot !== 0n) return { code: 'lot' };
  if (notional(quantity, price, market.decimals) < market.minNotional) return { code: 'minimum' };
  return null;
}

/**
 * A market order's limit and expected fill against the opposite side's levels ([price, quantity], best first);
 * null when nothing rests there. A buy accepts up to best × (1 + slippage) rounded down to the tick, a sell down to
 * best × (1 − slippage) rounded up to it. `clearing` is the deepest level the order reaches: the auction's one price
 * for it alone.
 */
export function planMarketOrder(side, quantity, opposite, slippagePpm, tick) {
  if (!opposite.length) return null;
  const best = opposite[0][0];
  let worst;
  let within;
  if (side === 'buy') {
    worst = ((best * (PPM + slippagePpm)) / PPM / tick) * tick;
    within = opposite.filter(([price]) => price <= worst);
  } else {
    worst = ceilDiv(ceilDiv(best * (PPM - slippagePpm), PPM), tick) * tick;
    if (worst < tick) worst = tick;
    within = opposite.filter(([price]) => price >= worst);
  }
  let filled = 0n;
  let clearing = best;
  for (const [price, size] of within) {
    if (filled >= quantity) break;
    filled = filled + size < quantity ? filled + size : quantity;
    clearing = price;
  }
  return { best, worst, quantity: filled, clearing };
}
