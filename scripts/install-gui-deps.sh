#!/usr/bin/env bash
# Installs the system packages that the terminal window (`atmflow run`) and the ui
# crate's tests need, from Debian's packages. Idempotent: it installs only what is
# missing, and does nothing (no apt-get at all) when everything is there.
#
#   window (eframe + glow on X11 or Wayland): libx11/libxcursor/libxrandr/libxi,
#     libxkbcommon(-x11), libwayland-*, and Mesa's OpenGL/EGL (software rendering by
#     llvmpipe where there is no GPU);
#   image snapshot tests (egui_kittest + wgpu): Mesa's software Vulkan (lavapipe,
#     in mesa-vulkan-drivers) and the Vulkan loader libvulkan1;
#   looking at the window headless (tests/window_xvfb.rs): xvfb (Xvfb), imagemagick
#     (`import` screenshots) and xdotool (key presses into the window).
#
# Needs root (CI and the development machines run as root); prints what it does.
set -euo pipefail

packages=(
    libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6
    libxkbcommon0 libxkbcommon-x11-0
    libwayland-client0 libwayland-cursor0 libwayland-egl1
    libgl1 libegl1 libgl1-mesa-dri libegl-mesa0
    mesa-vulkan-drivers libvulkan1
    xvfb xauth imagemagick xdotool
    fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-gui-deps: all GUI packages are installed"
    exit 0
fi

echo "install-gui-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-gui-deps: done"
