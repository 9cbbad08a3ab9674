"""Generate the Python protobuf modules for CometBFT's ABCI from the pinned module's .proto files.

Run by `make proto` (python -m gostaking.node.abci.protogen). The .proto files are not copied into this
repository: `go mod download` fetches the pinned cometbft module (and the gogoproto module it depends on) into
the Go module cache, and grpcio-tools' protoc compiles tendermint/abci/types.proto plus everything it imports
into gostaking/node/abci/_proto (git-ignored). protoc writes absolute imports (`from tendermint.crypto import
…`); they are rewritten to package-relative ones so the stubs live inside this package without touching
sys.path.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gostaking.node.abci.version import ABCI_PROTO_ROOT, COMETBFT_MODULE, COMETBFT_VERSION

OUTPUT_DIR = Path(__file__).resolve().parent / "_proto"
PACKAGE = "gostaking.node.abci._proto"
_IMPORT_RE = re.compile(r'^\s*import\s+(?:public\s+)?"([^"]+)"\s*;', re.MULTILINE)
_GOGO_RE = re.compile(r"^\s*github\.com/cosmos/gogoproto\s+(v\S+)", re.MULTILINE)


class ProtoGenError(Exception):
    """The stubs could not be generated; the message says what is missing."""


def go_module_dir(module: str, version: str) -> Path:
    """Download `module@version` into the Go module cache (a no-op when present) and return its directory."""
    try:
        done = subprocess.run(
            ["go", "mod", "download", "-json", f"{module}@{version}"],
            capture_output=True,
            text=True,
            check=False,
            cwd=tempfile.gettempdir(),  # outside any go.mod: a plain module download
        )
    except FileNotFoundError:
        raise ProtoGenError("the `go` command is not installed; install Go ≥ 1.22 (needed for cometbft)") from None
    try:
        info = json.loads(done.stdout) if done.stdout.strip() else {}
    except json.JSONDecodeError:
        info = {}
    if done.returncode != 0 or "Dir" not in info:
        detail = info.get("Error") or done.stderr.strip() or "no output"
        raise ProtoGenError(f"go mod download {module}@{version} failed: {detail}")
    return Path(info["Dir"])


def proto_closure(roots: dict[str, Path], start: str) -> list[str]:
    """`start` and every .proto it imports transitively, except protobuf's own (protoc ships those)."""
    seen: list[str] = []
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name.startswith("google/protobuf/"):
            continue
        seen.append(name)
        todo.extend(_IMPORT_RE.findall(_find(roots, name).read_text()))
    return sorted(seen)


def _find(roots: dict[str, Path], name: str) -> Path:
    for root in roots.values():
        if (root / name).is_file():
            return root / name
    raise ProtoGenError(f"{name} is not in any of {', '.join(str(r) for r in roots.values())}")


def generate(output: Path = OUTPUT_DIR) -> list[Path]:
    """Compile the ABCI protos into `output` (replacing it) and return the modules written."""
    try:
        import grpc_tools
        from grpc_tools import protoc
    except ImportError:
        raise ProtoGenError("grpcio-tools is not installed: pip install -e '.[cometbft]'") from None
    comet = go_module_dir(COMETBFT_MODULE, COMETBFT_VERSION)
    match = _GOGO_RE.search((comet / "go.mod").read_text())
    if match is None:
        raise ProtoGenError(f"{comet}/go.mod does not require github.com/cosmos/gogoproto")
    gogo = go_module_dir("github.com/cosmos/gogoproto", match.group(1))
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    roots = {"cometbft": comet / "proto", "gogoproto": gogo, "protobuf": well_known}
    files = proto_closure(roots, ABCI_PROTO_ROOT)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".proto-") as temp:
        staging = Path(temp) / "_proto"
        args = ["grpc_tools.protoc", *(f"-I{root}" for root in roots.values()), f"--python_out={staging}", *files]
        staging.mkdir()
        if protoc.main(args) != 0:
            raise ProtoGenError(f"protoc failed on {', '.join(files)} (see the messages above)")
        modules = sorted(staging.rglob("*_pb2.py"))
        for module in modules:
            module.write_text(_relocate_imports(module.read_text()))
        for directory in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            (directory / "__init__.py").touch()
        (staging / "VERSION").write_text(COMETBFT_VERSION + "\n")
        if output.exists():
            shutil.rmtree(output)
        staging.rename(output)
    return [output / module.relative_to(staging) for module in modules]


def _relocate_imports(source: str) -> str:
    # Top-level proto packages (tendermint, gogoproto) become sub-packages of PACKAGE; google.protobuf stays.
    return re.sub(r"^from (tendermint|gogoproto)([. ])", rf"from {PACKAGE}.\1\2", source, flags=re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: generate the stubs and say where they went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR, help="where to write the package")
    args = parser.parse_args(argv)
    try:
        written = generate(args.output.resolve())
    except ProtoGenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"generated {len(written)} protobuf modules for CometBFT {COMETBFT_VERSION} in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
