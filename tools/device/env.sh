# Source from the repo root on the GPU machine: `. tools/device/env.sh` (tools/device/README.md).
# Unpacks what is missing under $VL (default /tmp/vl): the node binary from .devcarry/node.xz and
# the external packages from .devcarry/mods.tar.xz (again when that file changed), unpacks the
# Vulkan/GL debs from .gl/ (again when that set changed), and sets PATH, NODE_PATH and the Vulkan driver.
# Works without xz (falls back to Python's lzma). Prints one status line; never exits the shell.

VL=${VL:-/tmp/vl}
mkdir -p "$VL"

_vl_unxz() { # _vl_unxz FILE.xz OUT
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
_vl_untar() { # _vl_untar FILE.tar.xz DIR
  if command -v xz >/dev/null 2>&1; then tar -xJf "$1" -C "$2"
  else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$1" "$2"
  fi
}

if [ ! -x "$VL/node" ]; then
  if [ -f .devcarry/node.xz ]; then
    _vl_unxz .devcarry/node.xz "$VL/node.part" && chmod +x "$VL/node.part" && mv "$VL/node.part" "$VL/node"
  else
    echo "env.sh: no $VL/node and no .devcarry/node.xz (call 1 carries it)" >&2
  fi
fi

if [ -f .devcarry/mods.tar.xz ]; then
  _vl_stamp=$(cksum <.devcarry/mods.tar.xz)
  if [ "$(cat "$VL/.mods-stamp" 2>/dev/null)" != "$_vl_stamp" ]; then
    rm -rf "$VL/node_modules" && _vl_untar .devcarry/mods.tar.xz "$VL" && echo "$_vl_stamp" >"$VL/.mods-stamp"
  fi
elif [ ! -d "$VL/node_modules" ]; then
  echo "env.sh: no $VL/node_modules and no .devcarry/mods.tar.xz (call 2 carries it)" >&2
fi

# Vulkan loader and GL dispatch libraries for onnxruntime's WebGPU provider (Dawn on Vulkan): the
# NVIDIA ICD needs libglvnd/libGLX beside libvulkan, so every deb in .gl/ is unpacked once per set.
if [ -d .gl ]; then
  _vl_stamp=$(ls .gl/*.deb 2>/dev/null | sort | cksum)
  if [ "$(cat "$VL/.gl-stamp" 2>/dev/null)" != "$_vl_stamp" ]; then
    for _vl_deb in .gl/*.deb; do dpkg -x "$_vl_deb" /; done
    ldconfig && echo "$_vl_stamp" >"$VL/.gl-stamp"
  fi
fi
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi

case ":$PATH:" in *":$VL:"*) ;; *) export PATH="$VL:$PATH" ;; esac
# The bundles load onnxruntime-node, sharp, … with a require made from their own URL, which (unlike
# an ESM import) honours NODE_PATH.
export NODE_PATH="$VL/node_modules${NODE_PATH:+:$NODE_PATH}"

echo "env.sh: node $("$VL/node" --version 2>/dev/null || echo MISSING) at $VL/node; NODE_PATH=$NODE_PATH; libvulkan $(ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' && echo yes || echo no); VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
unset _vl_stamp _vl_deb
