"""What the bundled ``supervision-app`` executable runs: the same ``main`` as the
``supervision-app`` console script of a pip install (see ``supervision_app/cli.py``)."""
import sys

from supervision_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
