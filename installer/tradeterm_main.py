"""Entry script of the frozen bundle: the same `main` as the `tradeterm` console script."""

import sys

from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
