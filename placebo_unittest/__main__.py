"""``python -m placebo_unittest``: see :mod:`placebo_unittest.runner`."""
import sys

from .runner import main

if __name__ == "__main__":
    sys.exit(main())
