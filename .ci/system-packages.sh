#!/usr/bin/env bash
# The Debian packages the test suite drives besides Python: chromium (the browser tests of
# the website), bubblewrap (the grader's sandbox), nodejs and npm (`npm ci`: MathJax and
# axe-core). Run as root with apt-get, it installs the missing ones; otherwise it names
# them and fails at once, so that no browser or sandbox test is ever skipped or left to
# fail late. The README's test command and .ci/run start with it.
set -euo pipefail

declare -A command_of=([chromium]=chromium [bubblewrap]=bwrap [nodejs]=node [npm]=npm)
missing=()
for package in chromium bubblewrap nodejs npm; do
  if [ "$package" = chromium ] && [ -x "${CHROMIUM:-}" ]; then
    continue  # tests/test_website.py uses $CHROMIUM when it is set
  fi
  command -v "${command_of[$package]}" >/dev/null || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${missing[*]} with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "error: the tests need these system packages, which are not installed: ${missing[*]}" >&2
echo "install them (Debian/Ubuntu): sudo apt-get install ${missing[*]}" >&2
exit 1
