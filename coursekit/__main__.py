"""``python -m coursekit`` and the ``coursekit`` command: ``check`` and ``grade``.

``coursekit check NOTEBOOK.ipynb`` is the student's self-check (:mod:`coursekit.selfcheck`,
numpy only); ``coursekit grade`` is the instructor's class grader
(:mod:`coursekit.grader.cli`, which needs the ``[grader]`` extra only when it runs).
"""

import argparse
import sys

from coursekit import selfcheck
from coursekit.grader import cli


def build_parser():
    """The argument parser of ``coursekit`` and its two commands."""
    parser = argparse.ArgumentParser(prog="coursekit", description="Tools for the RNN course.")
    commands = parser.add_subparsers(dest="command", required=True)
    selfcheck.add_check_command(commands)
    cli.add_grade_command(commands)
    return parser


def main(argv=None):
    """Run ``coursekit`` with ``argv``; return the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return selfcheck.check(args)
    return cli.grade(args)


if __name__ == "__main__":
    sys.exit(main())
