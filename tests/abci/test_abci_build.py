"""The CometBFT pin has one definition, and the stub generator finds what abci/types.proto needs."""

import re
import subprocess
from pathlib import Path

import pytest

from gostaking.node.abci.protogen import _relocate_imports, proto_closure
from gostaking.node.abci.version import COMETBFT_VERSION

REPO = Path(__file__).resolve().parents[2]


def test_makefile_takes_the_version_from_the_python_constant() -> None:
    assert re.fullmatch(r"v0\.38\.\d+", COMETBFT_VERSION)
    done = subprocess.run(
        ["make", "-s", "-p", "-n", "-f", "Makefile", "lint"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert f"COMETBFT_VERSION := {COMETBFT_VERSION}" in done.stdout.splitlines()
    makefile = (REPO / "Makefile").read_text()
    assert "cometbft/cmd/cometbft@$(COMETBFT_VERSION)" in makefile


def test_proto_closure_follows_imports(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.proto").write_text('import "a/y.proto";\nimport "google/protobuf/timestamp.proto";\n')
    (tmp_path / "a" / "y.proto").write_text('syntax = "proto3";\nimport public "b.proto";\n')
    (tmp_path / "b.proto").write_text('syntax = "proto3";\n')
    assert proto_closure({"root": tmp_path}, "a/x.proto") == ["a/x.proto", "a/y.proto", "b.proto"]


def test_generated_imports_are_made_package_relative() -> None:
    source = (
        "from tendermint.crypto import proof_pb2 as p\nfrom gogoproto import gogo_pb2\nfrom google.protobuf import x\n"
    )
    assert _relocate_imports(source).splitlines() == [
        "from gostaking.node.abci._proto.tendermint.crypto import proof_pb2 as p",
        "from gostaking.node.abci._proto.gogoproto import gogo_pb2",
        "from google.protobuf import x",
    ]


def test_missing_stubs_say_what_to_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import gostaking.node.abci.proto as proto

    monkeypatch.setattr(proto, "_VERSION_FILE", tmp_path / "VERSION")
    assert "make proto" in (proto.stubs_problem() or "")
    (tmp_path / "VERSION").write_text("v0.38.0\n")
    assert "make proto" in (proto.stubs_problem() or "")
