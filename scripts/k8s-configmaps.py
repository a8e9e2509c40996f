#!/usr/bin/env python3
"""The Kubernetes overlays' monitoring ConfigMaps (deploy/k8s/overlays/<name>/monitoring/) are written by
`chitieu generate` with every other generated file; this script is the same command, kept for old habits.

    .venv/bin/python scripts/k8s-configmaps.py           # chitieu generate
    .venv/bin/python scripts/k8s-configmaps.py --check   # chitieu generate --check
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.cli import main

if __name__ == "__main__":
    main(["generate", *sys.argv[1:]])
