#!/usr/bin/env python3
"""List or download English Vosk models into models/ (same as `kiosk models`).

    .venv/bin/python scripts/download_model.py                 # list the known models
    .venv/bin/python scripts/download_model.py download        # the default, vosk-model-small-en-us-0.15
    .venv/bin/python scripts/download_model.py download vosk-model-en-us-0.22-lgraph --sha256 <hex>
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from kiosk.speech.models import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
