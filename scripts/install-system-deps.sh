#!/usr/bin/env bash
# Install the Debian packages Qt needs (offscreen and under Xvfb) when they are missing.
# fonts-noto-cjk: China A-share names (贵州茅台) show as characters, not boxes.
# binutils, gcc: the bundle build strips its libraries and cuts Qt's ICU data (installer/icu_data.py).
# Runs as root on Debian; elsewhere it only says what is missing.
set -euo pipefail
pkgs=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3 fonts-dejavu-core fonts-noto-cjk
      xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
      libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0 binutils gcc)
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages (install them as root): ${missing[*]}" >&2
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
