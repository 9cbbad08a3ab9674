"""GET /events/kinds: the chain's published event list."""

from fastapi import APIRouter

from ..deps import NodeDep
from ..render import event_kind_view
from ..schemas.events import EventKindView

router = APIRouter(prefix="/events", tags=["events"])


@router.get("/kinds", response_model=list[EventKindView], summary="Every event kind the chain emits")
def get_event_kinds(node: NodeDep) -> list[EventKindView]:
    """Each kind with its module, attributes and meaning, in module order: the list the indexer, the AML rules,
    the gateways and the explorer (its generated `events.js`) take event names from."""
    with node.app.read_committed() as state:
        kinds = state.registry.event_kinds()
    return [event_kind_view(kind) for kind in kinds]
