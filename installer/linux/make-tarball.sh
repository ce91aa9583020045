#!/usr/bin/env bash
# Package dist/tradeterm/ as tradeterm-<version>-linux-<arch>.tar.gz with the .desktop file, icons and an
# install script that puts a launcher into ~/.local (no root needed).
#
#   installer/build.sh && installer/linux/make-tarball.sh        -> dist/tradeterm-0.1.0-linux-x86_64.tar.gz
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIST_DIR="${DIST_DIR:-$ROOT/dist}"
BUNDLE="$DIST_DIR/tradeterm"
if [[ ! -x "$BUNDLE/tradeterm" ]]; then
    echo "make-tarball.sh: $BUNDLE/tradeterm not found; run installer/build.sh first" >&2
    exit 2
fi
VERSION="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$BUNDLE/_internal/tradeterm-build.json")"
NAME="tradeterm-$VERSION-linux-$(uname -m)"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT

mkdir -p "$STAGE/$NAME/share/applications"
cp -a "$BUNDLE" "$STAGE/$NAME/tradeterm"
cp "$ROOT/resources/tradeterm.desktop" "$STAGE/$NAME/share/applications/tradeterm.desktop"
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "$STAGE/$NAME/share/icons/hicolor/${size}x${size}/apps"
    cp "$ROOT/resources/icons/tradeterm-$size.png" "$STAGE/$NAME/share/icons/hicolor/${size}x${size}/apps/tradeterm.png"
done
cat > "$STAGE/$NAME/install.sh" <<'INSTALL'
#!/usr/bin/env bash
# Install TradeTerm for this user: the program in ~/.local/opt/tradeterm, a launcher and a menu entry.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
rm -rf "$PREFIX/opt/tradeterm"
mkdir -p "$PREFIX/opt" "$PREFIX/bin" "$PREFIX/share"
cp -a "$HERE/tradeterm" "$PREFIX/opt/tradeterm"
ln -sf "$PREFIX/opt/tradeterm/tradeterm" "$PREFIX/bin/tradeterm"
cp -a "$HERE/share/." "$PREFIX/share/"
sed -i "s|^Exec=tradeterm|Exec=$PREFIX/bin/tradeterm|; s|^TryExec=tradeterm|TryExec=$PREFIX/bin/tradeterm|" \
    "$PREFIX/share/applications/tradeterm.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$PREFIX/share/icons/hicolor" 2>/dev/null || true
echo "TradeTerm installed: run 'tradeterm' (make sure $PREFIX/bin is on PATH) or pick it from the menu."
"$PREFIX/bin/tradeterm" --self-check >/dev/null 2>&1 || echo "Run 'tradeterm --self-check' to see what is missing." >&2
INSTALL
chmod +x "$STAGE/$NAME/install.sh"
tar -C "$STAGE" -czf "$DIST_DIR/$NAME.tar.gz" "$NAME"
echo "make-tarball.sh: $DIST_DIR/$NAME.tar.gz ($(du -h "$DIST_DIR/$NAME.tar.gz" | cut -f1))"
