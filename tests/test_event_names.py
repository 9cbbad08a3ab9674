"""Consumers of events take their names from the chain's published event list: the explorer's generated events.js
is current, the explorer's JavaScript names no kind the list lacks and spells none as a bare string, and the
Python consumers (indexer, AML, gateway, API) match the registry's event classes, not string literals. A renamed
event fails here, not in production."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import gostaking
from gostaking.aml import monitor
from gostaking.bridge import attester
from gostaking.chain.events import ChainEvent
from gostaking.chain.state import registry_of
from gostaking.explorer import STATIC_DIR
from gostaking.explorer.events_js import EVENTS_JS, constant_name, events_js, main
from gostaking.indexer import extract

REGISTRY = registry_of(None)
EVENT_KINDS = set(REGISTRY.events)
MESSAGE_KINDS = {extract.message_kind(t) for t in REGISTRY.message_types}
BARE_KINDS_FORBIDDEN = EVENT_KINDS - MESSAGE_KINDS
"""Kinds that may not appear as string literals: every event kind except those that are also a message type
(vote, stake, lock…), a name the explorer and the API use for messages and bonds as well."""
PACKAGE = Path(gostaking.__file__).parent


# --- the generated list ------------------------------------------------------------------------------------------


def test_events_js_is_generated_from_the_current_registry() -> None:
    assert EVENTS_JS.read_text(encoding="utf-8") == events_js(), "events.js is stale: run make events-js"
    assert main(["--check"]) == 0


def test_events_js_lists_every_kind_with_a_constant() -> None:
    text = events_js()
    for kind in REGISTRY.event_kinds():
        assert f'  "{kind.kind}": {{"module": "{kind.module}", ' in text
        assert f'  {constant_name(kind.kind)}: "{kind.kind}",\n' in text


def test_the_check_fails_on_a_stale_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stale = tmp_path / "events.js"
    stale.write_text(events_js().replace('"transfer"', '"transferred"'), encoding="utf-8")
    monkeypatch.setattr("gostaking.explorer.events_js.EVENTS_JS", stale)
    assert main(["--check"]) == 1
    assert main([]) == 0 and stale.read_text(encoding="utf-8") == events_js()


# --- the explorer's JavaScript ---------------------------------------------------------------------------------


def string_literals(source: str) -> list[str]:
    """The string literals of JavaScript source: quoted strings and templates without substitutions; comments are
    skipped and template substitutions are read as code. (Regular-expression literals are read as code: none of the
    explorer's contains a quote.)"""
    found: list[str] = []
    _code(source, 0, found, in_substitution=False)
    return found


def _code(source: str, i: int, found: list[str], in_substitution: bool) -> int:
    """Read code from `i` (to the end, or past the `}` closing a template substitution); returns where it stopped."""
    depth = 0
    while i < len(source):
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        elif source[i] in "'\"":
            end = _closing(source, i + 1, source[i])
            found.append(source[i + 1 : end])
            i = end + 1
        elif source[i] == "`":
            i = _template(source, i + 1, found)
        elif source[i] == "}" and in_substitution and depth == 0:
            return i + 1
        else:
            depth += {"{": 1, "}": -1}.get(source[i], 0)
            i += 1
    return i


def _closing(source: str, i: int, quote: str) -> int:
    while source[i] != quote:
        i += 2 if source[i] == "\\" else 1
    return i


def _template(source: str, i: int, found: list[str]) -> int:
    start, plain = i, True
    while source[i] != "`":
        if source[i] == "\\":
            i += 2
        elif source.startswith("${", i):
            plain = False
            i = _code(source, i + 2, found, in_substitution=True)
        else:
            i += 1
    if plain:
        found.append(source[start:i])
    return i + 1


CONSTANTS = {constant_name(kind) for kind in EVENT_KINDS}
_SUBSCRIPT = re.compile(r"""\bEVENTS\[\s*['"`]([^'"`]*)['"`]\s*\]""")


def event_name_problems(source: str) -> list[str]:
    """Uses of event names in JavaScript source that the published list does not back."""
    problems = [f"EVENT.{name}" for name in re.findall(r"\bEVENT\.(\w+)", source) if name not in CONSTANTS]
    problems += [f"EVENTS.{kind}" for kind in re.findall(r"\bEVENTS\.(\w+)", source) if kind not in EVENT_KINDS]
    problems += [f"EVENTS[{kind!r}]" for kind in _SUBSCRIPT.findall(source) if kind not in EVENT_KINDS]
    problems += [
        f"bare {text!r} (use EVENT.{constant_name(text)})"
        for text in string_literals(_SUBSCRIPT.sub("EVENTS[]", source))  # a subscript's kind is checked above
        if text in BARE_KINDS_FORBIDDEN
    ]
    return problems


def javascript_files() -> Iterator[Path]:
    for path in sorted(STATIC_DIR.rglob("*.js")):
        if path != EVENTS_JS:
            yield path


def test_the_explorer_javascript_names_only_published_event_kinds() -> None:
    files = list(javascript_files())
    assert len(files) > 5
    problems = {
        path.relative_to(STATIC_DIR).as_posix(): found
        for path in files
        if (found := event_name_problems(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_the_javascript_check_finds_unpublished_and_bare_names() -> None:
    source = """
      // 'transfer' in a comment is prose
      /* and "node_slashed" here too */
      const a = EVENT.TRANSFER, b = EVENT.NO_SUCH_EVENT, c = EVENTS['reward_paid'], d = EVENTS["gone"];
      const e = EVENTS.mint, f = EVENTS.minted, g = EVENTS[kind];
      if (e.kind === 'node_slashed' || x === "burn") show(`election`, `${y ? 'unbonding_completed' : ''}px`);
      const vertex = v.kind === 'node' ? 'account' : b.kind === 'stake' ? 'vote' : `x${'lock'}`;
      const quoted = 'it\\'s \\"transfer\\"', text = `a \\` tick`;
    """
    assert event_name_problems(source) == [
        "EVENT.NO_SUCH_EVENT",
        "EVENTS.minted",
        "EVENTS['gone']",
        "bare 'node_slashed' (use EVENT.NODE_SLASHED)",
        "bare 'burn' (use EVENT.BURN)",
        "bare 'election' (use EVENT.ELECTION)",
        "bare 'unbonding_completed' (use EVENT.UNBONDING_COMPLETED)",
    ]


def test_the_explorer_pages_that_show_events_take_their_meaning_from_the_list() -> None:
    """Pages label event kinds with kindLabel (from the published list), directly or through api.js's events table."""
    api = (STATIC_DIR / "js" / "api.js").read_text(encoding="utf-8")
    assert "from './events.js'" in api and "export function kindLabel(kind)" in api
    assert "[kindLabel(e.kind), attributes(e.attributes)]" in api  # eventsTable
    for page, labeller in (("blocks.js", "eventsTable("), ("txs.js", "eventsTable("), ("account.js", "kindLabel(")):
        assert labeller in (STATIC_DIR / "js" / "pages" / page).read_text(encoding="utf-8"), page


# --- Python consumers --------------------------------------------------------------------------------------------


def event_classes(module: ModuleType) -> list[type[ChainEvent]]:
    """The event types a module names (shared bases without a kind of their own left out)."""
    return [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, ChainEvent)
        and v is not ChainEvent
        and isinstance(v.__struct_config__.tag, str)
    ]


@pytest.mark.parametrize("module", [extract, attester, monitor], ids=lambda m: m.__name__)
def test_the_event_classes_consumers_match_are_the_registered_ones(module: ModuleType) -> None:
    for event_type in event_classes(module):
        assert REGISTRY.events.get(event_type.event_kind()) is event_type, event_type


def test_the_indexer_and_the_gateway_use_event_classes() -> None:
    assert {c.event_kind() for c in event_classes(extract)} >= {
        "transfer",
        "burn",
        "mint",
        "node_slashed",
        "claim",
        "reward_paid",
        "node_registered",
        "unbonding_completed",
    }
    assert set(attester.FOLLOWED_EVENTS) == {"withdrawal_requested", "hold_resolved", "withdrawal_completed"}
    for kind, event_type in attester.FOLLOWED_EVENTS.items():
        assert REGISTRY.events[kind] is event_type


def test_the_aml_monitor_reads_the_indexers_transfer_rows() -> None:
    assert monitor.TRANSFER_OUT == (extract.ROLE_SENDER, "send")
    assert monitor.TRANSFER_IN == (extract.ROLE_RECIPIENT, extract.ACTIVITY_RECEIVE)
    own = set(extract.INDEX_ACTIVITY_KINDS)
    assert len(own) == len(extract.INDEX_ACTIVITY_KINDS) and not own & (EVENT_KINDS | MESSAGE_KINDS)


CONSUMERS = ("indexer", "aml", "bridge", "api", "explorer")


def python_string_constants(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_python_consumer_spells_an_event_kind_as_a_string() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for package in CONSUMERS
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for line, text in python_string_constants(path)
        if text in BARE_KINDS_FORBIDDEN
    ]
    assert found == []
