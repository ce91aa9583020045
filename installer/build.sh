#!/usr/bin/env bash
# Build the TradeTerm bundle with PyInstaller (what `make dist` runs).
#
#   installer/build.sh                 one-folder bundle in dist/tradeterm/
#   installer/build.sh --onefile       one executable, dist/tradeterm
#   installer/build.sh --full          also bundle every installed broker SDK (kiteconnect, easytrader...)
#
# Environment: PYTHON (default .venv/bin/python, else python3), DIST_DIR (default dist),
# BUILD_DIR (default build/pyinstaller). The build reads nothing from the user's data folders.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
DIST_DIR="${DIST_DIR:-$ROOT/dist}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build/pyinstaller}"

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
    echo "build.sh: PyInstaller is not installed in $PYTHON; run: $PYTHON -m pip install -e '.[test]'" >&2
    exit 2
fi

SPEC_ARGS=()
for arg in "$@"; do
    case "$arg" in
        --onefile|--full) SPEC_ARGS+=("$arg") ;;
        *) echo "build.sh: unknown option $arg (known: --onefile --full)" >&2; exit 2 ;;
    esac
done

rm -rf "$BUILD_DIR"
start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$DIST_DIR" --workpath "$BUILD_DIR" \
    installer/tradeterm.spec ${SPEC_ARGS[@]+-- "${SPEC_ARGS[@]}"}
elapsed=$(( $(date +%s) - start ))

target="$DIST_DIR/tradeterm"  # a folder, or with --onefile a single executable
size=$(du -sh "$target" | cut -f1)
echo "build.sh: built $target ($size) in ${elapsed}s"
