"""The cometbft binary and its files: finding it, `cometbft init`, node ids, validator keys, config.toml edits.

The binary is installed by `make cometbft` (`go install …/cmd/cometbft@COMETBFT_VERSION`) into
$(go env GOPATH)/bin, which is often not on PATH, so that directory is searched too.
"""

import base64
import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from gostaking.node.abci.version import COMETBFT_VERSION

COMETBFT_ENV = "COMETBFT_BIN"
"""Environment variable naming the cometbft binary to use (overrides the search)."""


class CometBftError(Exception):
    """cometbft is missing, the wrong version, or one of its files is not as expected."""


def _go_bin_dirs() -> list[Path]:
    dirs = []
    gobin = os.environ.get("GOBIN")
    if gobin:
        dirs.append(Path(gobin))
    gopath = os.environ.get("GOPATH", "")
    dirs.extend(Path(part) / "bin" for part in gopath.split(os.pathsep) if part)
    dirs.append(Path.home() / "go" / "bin")  # Go's default GOPATH
    return dirs


def find_cometbft() -> Path | None:
    """The cometbft binary: $COMETBFT_BIN, then PATH, then the Go bin directories; None if absent."""
    explicit = os.environ.get(COMETBFT_ENV)
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    on_path = shutil.which("cometbft")
    if on_path:
        return Path(on_path)
    for directory in _go_bin_dirs():
        candidate = directory / "cometbft"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def cometbft_version(binary: Path) -> str:
    """`cometbft version` output, e.g. '0.38.17', or '0.38.17+gostaking.3' for GoStaking's build."""
    done = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise CometBftError(f"{binary} version failed: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1].strip() if done.stdout.strip() else ""


def require_cometbft() -> Path:
    """The pinned cometbft binary, or CometBftError saying how to install it. The release itself (`go install`) works
    as well as GoStaking's build of it (`make cometbft`: the release with deploy/cometbft's patches, version
    `<release>+COMETBFT_BUILD`); the build only spends less CPU per transaction (docs/operators.md)."""
    binary = find_cometbft()
    if binary is None:
        raise CometBftError(f"cometbft is not installed: run `make cometbft` (a build of {COMETBFT_VERSION})")
    version = cometbft_version(binary)
    release = version.split("+", 1)[0]
    if release.lstrip("v") != COMETBFT_VERSION.lstrip("v"):
        raise CometBftError(f"{binary} is cometbft {version}, this code needs {COMETBFT_VERSION}: run `make cometbft`")
    return binary


def run_cometbft(binary: Path, *args: str) -> str:
    """Run a cometbft sub-command to completion and return its stdout (CometBftError on failure)."""
    done = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise CometBftError(f"cometbft {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


@dataclass(frozen=True)
class ValidatorKey:
    """The public half of a node's priv_validator_key.json."""

    address: str
    """Upper-case hex, sha256(pubkey)[:20], as CometBFT shows it."""
    public_key: bytes
    """32-byte ed25519 key: the node's consensus key on chain."""


def init_home(binary: Path, home: Path) -> tuple[ValidatorKey, str]:
    """`cometbft init` a node home; returns its validator key and node id."""
    run_cometbft(binary, "init", "--home", str(home))
    node_id = run_cometbft(binary, "show-node-id", "--home", str(home)).strip()
    return read_validator_key(home), node_id


def read_validator_key(home: Path) -> ValidatorKey:
    """Read <home>/config/priv_validator_key.json (only its public key and address)."""
    path = home / "config" / "priv_validator_key.json"
    try:
        document = json.loads(path.read_text())
        pub_key = document["pub_key"]
        public_key = base64.b64decode(pub_key["value"], validate=True)
        address = str(document["address"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CometBftError(f"{path} is missing or malformed: {exc}") from None
    if pub_key.get("type") != "tendermint/PubKeyEd25519" or len(public_key) != 32:
        raise CometBftError(f"{path}: the validator key must be ed25519 (GoStaking consensus keys are)")
    return ValidatorKey(address, public_key)


def toml_value(value: str | int | bool) -> str:
    """A TOML scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # a JSON string is a valid TOML basic string for what is written here


def set_toml_values(text: str, values: Mapping[str, Mapping[str, str | int | bool]]) -> str:
    """Set existing `key = value` lines of a TOML document; `values` maps section ('' = top level) → keys.

    Raises CometBftError naming a key that is not in the document (a config layout this code does not know).
    """
    remaining = {(section, key) for section, keys in values.items() for key in keys}
    section = ""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        header = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if header:
            section = header.group(1).strip()
        else:
            assignment = re.match(r"^(\s*)([A-Za-z0-9_\-]+)\s*=", line)
            if assignment and (section, assignment.group(2)) in remaining:
                key = assignment.group(2)
                line = f"{assignment.group(1)}{key} = {toml_value(values[section][key])}\n"
                remaining.discard((section, key))
        out.append(line)
    if remaining:
        missing = ", ".join(f"[{s}] {k}" if s else k for s, k in sorted(remaining))
        raise CometBftError(f"config.toml has no {missing} (is this cometbft {COMETBFT_VERSION}?)")
    return "".join(out)


COMET_METRICS_PORT_OFFSET = 5
"""CometBFT's Prometheus metrics listen on its RPC port + 5 (with `--base-port B`, node I's are on B + 10I + 6),
or on a free port when that one is taken."""


def configure_home(home: Path, values: Mapping[str, Mapping[str, str | int | bool]]) -> None:
    """Apply `values` to <home>/config/config.toml, with CometBFT's Prometheus metrics turned on (on 127.0.0.1; see
    COMET_METRICS_PORT_OFFSET and `comet_metrics_address`)."""
    path = home / "config" / "config.toml"
    with_metrics = {**values, "instrumentation": {**_instrumentation(values), **values.get("instrumentation", {})}}
    path.write_text(set_toml_values(path.read_text(), with_metrics))


def _instrumentation(values: Mapping[str, Mapping[str, str | int | bool]]) -> dict[str, str | int | bool]:
    rpc = str(values.get("rpc", {}).get("laddr", ""))
    port = int(rpc.rpartition(":")[2]) + COMET_METRICS_PORT_OFFSET if rpc.rpartition(":")[2].isdigit() else 0
    if not port or not port_is_free(port):
        (port,) = free_ports(1)
    return {"prometheus": True, "prometheus_listen_addr": f"127.0.0.1:{port}"}


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 now, chosen by the system. Every probe socket is held until all are
    chosen, so the same port is not handed out twice."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            probe = stack.enter_context(socket.socket())
            probe.bind(("127.0.0.1", 0))
            ports.append(int(probe.getsockname()[1]))
        return ports


def port_is_free(port: int) -> bool:
    """True when a server could listen on 127.0.0.1:`port` now (binding without SO_REUSEADDR, so a port that still
    has connections in TIME_WAIT counts as taken)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def comet_metrics_address(home: Path) -> str | None:
    """host:port of the node's CometBFT Prometheus metrics ([instrumentation] of its config.toml), None when off."""
    import tomllib

    try:
        section = tomllib.loads((home / "config" / "config.toml").read_text())["instrumentation"]
    except (OSError, ValueError, KeyError):
        return None
    if section.get("prometheus") is not True:
        return None
    address = str(section.get("prometheus_listen_addr", ""))
    return "127.0.0.1" + address if address.startswith(":") else address
