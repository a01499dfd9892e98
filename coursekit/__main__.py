"""``python -m coursekit`` and the ``coursekit`` command (only ``grade`` for now)."""

import sys


def main(argv=None):
    from coursekit.grader.cli import main as grade_main

    return grade_main(argv)


if __name__ == "__main__":
    sys.exit(main())
