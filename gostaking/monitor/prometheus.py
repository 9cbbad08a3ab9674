"""A Prometheus configuration for a localnet: every node's app (its API's /metrics) and its CometBFT (the
[instrumentation] listener the localnet turns on), with the alert rules of deploy/monitoring/alerts.yml.

`make monitor` writes it and starts Debian's `prometheus` on it; deploy/monitoring/prometheus.yml is what it writes
for the default localnet (4 validators, --base-port 26600). Run: python -m gostaking.monitor.prometheus --localnet
HOME [--out FILE] [--rules FILE] [--scrape-interval 5s].

The document is written as JSON, which is YAML too, so no YAML library is needed.
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from gostaking.node.localnet.cometbft import comet_metrics_address
from gostaking.node.localnet.network import LocalnetError, load_localnet

RULES_PATH = Path(__file__).resolve().parents[2] / "deploy" / "monitoring" / "alerts.yml"
"""The alert rules shipped in the checkout."""


@dataclass(frozen=True)
class Target:
    """One scrape target: a node name and the host:port of its metrics."""

    node: str
    address: str


def localnet_targets(home: Path) -> tuple[list[Target], list[Target]]:
    """(app targets, CometBFT targets) of the localnet in `home` (LocalnetError when there is none)."""
    localnet = load_localnet(home)
    apps = [Target(node.name, f"127.0.0.1:{node.api_port}") for node in localnet.nodes if node.api_port]
    comets = []
    for node in localnet.nodes:
        address = comet_metrics_address(node.path)
        if address is not None:
            comets.append(Target(node.name, address))
    return apps, comets


def prometheus_config(
    apps: list[Target],
    comets: list[Target],
    rules: Path = RULES_PATH,
    scrape_interval: str = "5s",
    evaluation_interval: str = "5s",
) -> str:
    """The configuration document (YAML as JSON): jobs `gostaking` and `cometbft`, each target labelled with its
    node, and the alert rules."""

    def job(name: str, targets: list[Target]) -> dict[str, object]:
        return {
            "job_name": name,
            "static_configs": [{"targets": [t.address], "labels": {"node": t.node}} for t in targets],
        }

    document = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": evaluation_interval},
        "rule_files": [str(rules)],
        "scrape_configs": [job("gostaking", apps), job("cometbft", comets)],
    }
    return json.dumps(document, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or print) the configuration of a localnet."""
    parser = argparse.ArgumentParser(description="Prometheus configuration for a GoStaking localnet")
    parser.add_argument("--localnet", type=Path, required=True, help="localnet home (holds localnet.json)")
    parser.add_argument("--out", type=Path, help="file to write \\[default: standard output]")
    parser.add_argument("--rules", type=Path, default=RULES_PATH, help="alert rules file")
    parser.add_argument("--scrape-interval", default="5s", help="scrape and rule evaluation interval")
    args = parser.parse_args(argv)
    try:
        apps, comets = localnet_targets(args.localnet.expanduser().resolve())
    except LocalnetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    text = prometheus_config(apps, comets, args.rules.resolve(), args.scrape_interval, args.scrape_interval)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
