#!/usr/bin/env python3
"""Generate each Kubernetes overlay's monitoring ConfigMaps (deploy/k8s/overlays/<name>/monitoring/) from the catalogue:
Prometheus rules and configuration, the Alertmanager configuration, Grafana provisioning and dashboards.

    .venv/bin/python scripts/k8s-configmaps.py           # write what changed
    .venv/bin/python scripts/k8s-configmaps.py --check   # exit 1 if any file differs (tests/test_k8s.py does the same)

Run it after changing the catalogue, as `make generate` does.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboards.kubernetes import K8S_DIR, differences, monitoring_files, overlays, read_site, write_monitoring
from indicators.catalogue import CatalogueError, load_catalogue

CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "indicators" / "catalogue"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only report differences; exit 1 if there are any.")
    parser.add_argument("--k8s-dir", type=Path, default=K8S_DIR, help=f"Default: {K8S_DIR}")
    args = parser.parse_args()
    try:
        catalogue = load_catalogue(CATALOGUE_DIR)
        sites = {overlay: read_site(overlay) for overlay in overlays(args.k8s_dir)}
    except (CatalogueError, OSError, ValueError) as error:
        print(f"k8s-configmaps: {error}", file=sys.stderr)
        return 1
    problems = []
    for overlay, site in sites.items():
        files = monitoring_files(catalogue, site)
        if args.check:
            problems += differences(overlay, files)
            continue
        written, deleted = write_monitoring(overlay, files)
        print(f"{overlay.name}: {len(files)} files, {len(written)} written, {len(deleted)} deleted")
    for problem in problems:
        print(problem)
    if problems:
        print("run scripts/k8s-configmaps.py to regenerate", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
