"""The CometBFT pin has one definition, the tests run GoStaking's build of it, and the stub generator finds what
abci/types.proto needs."""

import re
import subprocess
from pathlib import Path

import pytest

from gostaking.node.abci.protogen import _relocate_imports, proto_closure
from gostaking.node.abci.version import COMETBFT_BUILD, COMETBFT_VERSION
from gostaking.node.localnet.cometbft import COMETBFT_ENV, CometBftError, cometbft_version, require_cometbft

REPO = Path(__file__).resolve().parents[2]


def test_makefile_takes_the_version_from_the_python_constant() -> None:
    assert re.fullmatch(r"v0\.38\.\d+", COMETBFT_VERSION)
    done = subprocess.run(
        ["make", "-s", "-p", "-n", "-f", "Makefile", "lint"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert f"COMETBFT_VERSION := {COMETBFT_VERSION}" in done.stdout.splitlines()
    makefile = (REPO / "Makefile").read_text()
    assert "scripts/build-cometbft $(COMETBFT_VERSION)" in makefile


def test_the_tests_run_gostaking_s_build_of_the_pinned_cometbft() -> None:
    """`make cometbft` builds the pinned release with deploy/cometbft's patches and says so in its version, so the
    localnet tests and benchmarks measure what operators are told to run (an unpatched cometbft found first on PATH
    or in $COMETBFT_BIN would be caught here)."""
    binary = require_cometbft()
    assert cometbft_version(binary) == f"{COMETBFT_VERSION.lstrip('v')}+{COMETBFT_BUILD}"


def test_a_stock_release_is_accepted_and_another_release_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plain release works too (only slower), a build of another release does not."""
    for version, accepted in ((COMETBFT_VERSION.lstrip("v"), True), ("0.38.99+gostaking.1", False)):
        fake = tmp_path / f"cometbft-{accepted}"
        fake.write_text(f"#!/bin/sh\necho {version}\n")
        fake.chmod(0o755)
        monkeypatch.setenv(COMETBFT_ENV, str(fake))
        if accepted:
            assert require_cometbft() == fake
        else:
            with pytest.raises(CometBftError, match=r"is cometbft 0\.38\.99\+gostaking\.1, this code needs"):
                require_cometbft()


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
