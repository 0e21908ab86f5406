"""`python -m kiosk` runs the same command line as the `kiosk` console script."""
import sys

from .faces.cli import main

sys.exit(main())
