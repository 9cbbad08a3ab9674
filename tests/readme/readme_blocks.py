"""The README's ```bash blocks as commands, and the marker that exempts a block from being run.

A block that cannot run against a devnet started by tests/readme (it starts the devnet itself, needs btcd,
CometBFT, PostgreSQL…) is preceded by `<!-- readme-test: skip: <why> -->` (an HTML comment: not rendered). Every
other block runs, so a new block is either runnable as written or says why not.
"""

import re
from dataclasses import dataclass

SKIP_MARKER = re.compile(r"^<!-- readme-test: skip: (?P<reason>.*\S) -->$")
FENCE_OPEN = "```bash"
FENCE_CLOSE = "```"


@dataclass(frozen=True)
class BashBlock:
    """One ```bash block: where it starts (1-based line of its fence), its commands, and why it is not run."""

    line: int
    commands: tuple[str, ...]
    skip_reason: str | None


class ReadmeFormatError(ValueError):
    """A block the test cannot read (unclosed fence, a dangling line continuation, a heredoc to run)."""


def bash_blocks(text: str) -> list[BashBlock]:
    """The ```bash blocks of a Markdown document, in order."""
    lines = text.splitlines()
    blocks: list[BashBlock] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != FENCE_OPEN:
            index += 1
            continue
        start = index
        marker = SKIP_MARKER.match(lines[start - 1].strip()) if start > 0 else None
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip() != FENCE_CLOSE:
            body.append(lines[index])
            index += 1
        if index == len(lines):
            raise ReadmeFormatError(f"line {start + 1}: ```bash block is not closed")
        reason = marker.group("reason") if marker else None
        commands = _commands(body, start + 1)
        if reason is None and any("<<" in command for command in commands):
            raise ReadmeFormatError(f"line {start + 1}: a heredoc cannot be run one command at a time; mark the block")
        blocks.append(BashBlock(start + 1, commands, reason))
        index += 1
    return blocks


def _commands(body: list[str], fence_line: int) -> tuple[str, ...]:
    """Logical command lines: continuations (a trailing backslash) joined, blank and comment-only lines dropped."""
    commands: list[str] = []
    pending = ""
    for line in body:
        pending += line
        if pending.endswith("\\"):
            pending += "\n"  # bash joins the lines itself, and a failing command is shown as the README has it
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            commands.append(pending)
        pending = ""
    if pending:
        raise ReadmeFormatError(f"block at line {fence_line}: its last line ends with a continuation")
    return tuple(commands)
