"""Chain parameters: validated per module section at genesis, changed only by governance, read by everyone.

Each module declares its sections (`ParamsSection`: type, validation, whether governance may change it) in its
`Module`. The sections of the launch modules are the fields of `ChainParams`, stored together in the state's
`params` table; a later module's section lives in a table of its own. This file is the only writer of both.
"""

from typing import TYPE_CHECKING, Any

import msgspec
from msgspec.structs import replace

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.errors import InvalidGenesisError, InvalidMessageError, require
from gostaking.chain.module import ParamsSection, Registry
from gostaking.chain.types.gov import ParamChange
from gostaking.chain.types.params import ChainParams

if TYPE_CHECKING:
    from gostaking.chain.state import State

MAX_CHANGES_PER_PROPOSAL = 32


def validate_chain_params(registry: Registry, params: ChainParams) -> None:
    """Raise InvalidGenesisError unless every section of `params` keeps its module's rules."""
    for section in registry.params_sections.values():
        if section.table is None:
            section.validate(getattr(params, section.name))


def validate_member_set(members: tuple[str, ...], threshold: int, *, members_rule: str, threshold_rule: str) -> None:
    """An m-of-n set of accounts (custodians, council): distinct gos1 addresses, 0 < m ≤ n (m = 0 without members).
    The rules' wording names the set in each error."""
    require(
        len(set(members)) == len(members) and all(is_valid_address(a) for a in members),
        InvalidGenesisError,
        members_rule,
    )
    require((not members and threshold == 0) or 0 < threshold <= len(members), InvalidGenesisError, threshold_rule)


def get_params_section(state: "State", name: str) -> Any:
    """The current value of a parameter section (KeyError for an unknown section)."""
    section = state.registry.params_sections[name]
    if section.table is None:
        return getattr(state.params.get(), name)
    return state[section.table].get()


def compute_changed_params(state: "State", changes: list[ParamChange]) -> dict[str, msgspec.Struct]:
    """The new value of each section the changes touch, validated; InvalidMessageError for an unknown, fixed or
    non-integer field and for values that break the rules."""
    require(
        0 < len(changes) <= MAX_CHANGES_PER_PROPOSAL,
        InvalidMessageError,
        f"1..{MAX_CHANGES_PER_PROPOSAL} parameter changes per proposal",
    )
    sections = state.registry.params_sections
    changed: dict[str, msgspec.Struct] = {}
    for change in changes:
        section = sections.get(change.section)
        if section is None or not section.governable:
            raise InvalidMessageError(f"section {change.section!r} is fixed")
        require(change.field not in section.fixed_fields, InvalidMessageError, f"{change.field} is fixed")
        value = changed[change.section] if change.section in changed else get_params_section(state, change.section)
        current = getattr(value, change.field, None)
        require(
            isinstance(current, int) and not isinstance(current, bool),
            InvalidMessageError,
            f"{change.section}.{change.field} is not an integer parameter",
        )
        changed[change.section] = replace(value, **{change.field: change.value})
    for name, value in changed.items():
        try:
            sections[name].validate(value)
        except InvalidGenesisError as error:  # the genesis rules, reported as a bad proposal
            raise InvalidMessageError(f"the changed parameters are invalid: {error}") from error
    return changed


def store_params(state: "State", changed: dict[str, msgspec.Struct]) -> None:
    """Write new section values (validated by compute_changed_params or at genesis)."""
    registry = state.registry
    in_chain_params = {name: value for name, value in changed.items() if registry.params_sections[name].table is None}
    if in_chain_params:
        state.params.set(replace(state.params.get(), **in_chain_params))
    for name, value in changed.items():
        table = registry.params_sections[name].table
        if table is not None:
            state[table].set(value)


def init_module_params(state: "State", section: ParamsSection[Any], value: msgspec.Struct) -> None:
    """Validate and store a later module's section at genesis (its genesis step calls this)."""
    section.validate(value)
    store_params(state, {section.name: value})
