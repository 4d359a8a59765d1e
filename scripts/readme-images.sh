#!/usr/bin/env bash
# Draws the screen gallery and composes the README's pictures from it, so the pictures
# in docs/img/ are always the terminal's own rendering of the shipped flows.
# Needs ImageMagick (scripts/install-gui-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo run --quiet -- gallery --out "$out" >/dev/null

# Two by two, at half size: 1024×768 each.
grid() {
    local target=$1 a=$2 b=$3 c=$4 d=$5
    convert "$out/$a" "$out/$b" +append "$out/row1.png"
    convert "$out/$c" "$out/$d" +append "$out/row2.png"
    convert "$out/row1.png" "$out/row2.png" -append -resize 50% "$target"
}

grid docs/img/gallery-accounts-amounts-notes-qr.png \
    account_picker/pick.en.png amount_entry/choose.sq.png \
    cash_in/summary.en.png cardless_menu/qr.sq.png
grid docs/img/gallery-cards-history.png \
    credit_card_payment/choose.en.png transaction_history/calendar.en.png \
    transaction_history/list.sq.png withdrawal/done.en.png
echo "docs/img/gallery-*.png written"
