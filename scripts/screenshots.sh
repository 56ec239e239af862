#!/usr/bin/env bash
# The README's screenshots (docs/img/*.png), taken by the browser tests (tests/test_site_browser.py:
# the site's main views and the dataset card with its charts, in Debian's headless Chromium) and
# copied here. Run from anywhere, in the project's venv: bash scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shots="$(mktemp -d)"
trap 'rm -rf "$shots"' EXIT
EVALLEDGER_SCREENSHOTS="$shots" python -m pytest -q -p no:cacheprovider tests/test_site_browser.py
mkdir -p docs/img
for name in site site-row site-phone card; do
  cp "$shots/$name.png" "docs/img/$name.png"
done
echo "docs/img: site.png site-row.png site-phone.png card.png"
