"""How tests/readme reads the README's bash blocks, and that every block of README.md runs or says why not."""

from pathlib import Path

import pytest
from readme_blocks import BashBlock, ReadmeFormatError, bash_blocks

README = Path(__file__).resolve().parents[2] / "README.md"


def test_blocks_join_continuations_drop_comments_and_read_skip_markers() -> None:
    text = "\n".join(
        [
            "Intro",
            "<!-- readme-test: skip: needs btcd -->",
            "```bash",
            "btcd --regtest &",
            "```",
            "",
            "```bash",
            "# a comment line",
            "gostaking keys add alice   # trailing comment",
            "gostaking tx send bob 1gos \\",
            "    --from alice",
            "",
            "```",
            "```python",
            "print('not bash')",
            "```",
        ]
    )
    assert bash_blocks(text) == [
        BashBlock(3, ("btcd --regtest &",), "needs btcd"),
        BashBlock(
            7,
            ("gostaking keys add alice   # trailing comment", "gostaking tx send bob 1gos \\\n    --from alice"),
            None,
        ),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("```bash\ngostaking keys list\n", "is not closed"),
        ("```bash\ngostaking tx send \\\n```", "ends with a continuation"),
        ("```bash\npython - <<'EOF'\nprint(1)\nEOF\n```", "heredoc"),
    ],
)
def test_unreadable_blocks_are_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(ReadmeFormatError, match=problem):
        bash_blocks(text)


def test_every_readme_block_runs_or_says_why_not() -> None:
    blocks = bash_blocks(README.read_text())
    run = [block for block in blocks if block.skip_reason is None]
    # The devnet walk and the governance/compliance/custody/exchange commands are the ones a new user follows.
    assert len(run) >= 2 and all(block.commands for block in blocks)
    commands = [command for block in run for command in block.commands]
    assert any(command.startswith("gostaking faucet") for command in commands)
    assert any(command.startswith("gostaking gov ratify") for command in commands)
