"""POST /faucet (devnet only: CometBFT nodes run no faucet and answer 404 FaucetDisabled)."""

from fastapi import APIRouter

from ..deps import NodeDep, parse_address
from ..errors import FaucetDisabledError, error_responses
from ..schemas.faucet import FaucetRequest, FaucetResponse
from .accounts import asset_amount

router = APIRouter(tags=["devnet"])


@router.post(
    "/faucet",
    response_model=FaucetResponse,
    responses=error_responses(
        {
            404: "this node runs no faucet",
            429: "the address was funded recently",
            503: "block rewards do not cover a whole grant yet (nothing sent; ask again after Retry-After)",
        }
    ),
    summary="Get test GOS and assets (devnet only)",
)
def request_funds(request: FaucetRequest, node: NodeDep) -> FaucetResponse:
    """Send devnet GOS (from the operator, which earns mining rewards) and test assets (from the faucet
    account) to an address. Each address may ask once per cooldown; a request refused because a new devnet's
    block rewards do not cover a grant yet sends nothing and does not start the cooldown."""
    faucet = node.faucet
    if faucet is None:
        raise FaucetDisabledError(
            "this node runs no faucet: only a devnet node (`gostaking devnet`) has one; on a localnet the test "
            "assets are held by the `faucet` key in <localnet home>/keys"
        )
    address = parse_address(request.address.strip())
    grant = faucet.fund(address)
    with node.app.read_committed() as state:
        sent = [asset_amount(state, denom, amount) for denom, amount in grant.sent.items()]
    return FaucetResponse(address=address, tx_hashes=[h.hex() for h in grant.tx_hashes], sent=sent, notes=grant.notes)
