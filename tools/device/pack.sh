#!/usr/bin/env bash
# Builds what the GPU machine needs to run the app's Node code (tools/device/README.md):
#   .devcarry/js/         esbuild bundles: vlcache.mjs (the CLI), evalWorkerEntry.mjs (eval worker
#                         threads), bench-{stats,record,eval,decode}.mjs, and their shared chunks
#   .devcarry/mods.tar.xz the packages the bundles leave external, linux-x64 parts only, as
#                         node_modules/… (unpacked on the device to /tmp/vl/node_modules)
# Run from anywhere: tools/device/pack.sh [--with-resvg]
#   --with-resvg  also pack @resvg/resvg-js (+1.5 MB), which only `vlcache figures --format png` needs
set -euo pipefail
withResvg=0
[ "${1:-}" = --with-resvg ] && withResvg=1
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p .devcarry

node tools/device/bundle.mjs

# Runtime packages left out of the bundle (tools/device/bundle.mjs EXTERNAL) and what they require:
# onnxruntime-node → onnxruntime-common (its adm-zip / global-agent deps serve its install script only);
# sharp → @img/colour, detect-libc, semver, @img/sharp-linux-x64 → @img/sharp-libvips-linux-x64;
# @resvg/resvg-js (vlcache figures --format png; only with --with-resvg) → @resvg/resvg-js-linux-x64-gnu.
paths=(
  node_modules/onnxruntime-node/package.json
  node_modules/onnxruntime-node/dist
  node_modules/onnxruntime-node/bin/napi-v6/linux/x64
  node_modules/onnxruntime-common/package.json
  node_modules/onnxruntime-common/dist
  node_modules/sharp/package.json
  node_modules/sharp/dist
  node_modules/@img/colour
  node_modules/@img/sharp-linux-x64
  node_modules/@img/sharp-libvips-linux-x64
  node_modules/detect-libc
  node_modules/semver
)
[ $withResvg = 1 ] && paths+=(node_modules/@resvg/resvg-js node_modules/@resvg/resvg-js-linux-x64-gnu)
for p in "${paths[@]}"; do
  [ -e "$p" ] || { echo "pack.sh: missing $p (run npm ci)" >&2; exit 1; }
done
tar -cf - --owner=0 --group=0 --sort=name \
  --exclude='*.map' --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' \
  --exclude='*.md' --exclude='glib-2.0' \
  "${paths[@]}" | xz -9e -T0 >.devcarry/mods.tar.xz.tmp
mv .devcarry/mods.tar.xz.tmp .devcarry/mods.tar.xz

js=$(du -sb .devcarry/js | cut -f1)
mods=$(stat -c %s .devcarry/mods.tar.xz)
node_=$(stat -c %s .devcarry/node.xz 2>/dev/null || echo 0)
mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1e6 }'; }
echo "js:   .devcarry/js $(mb "$js") ($(ls .devcarry/js | wc -l) files)"
echo "mods: .devcarry/mods.tar.xz $(mb "$mods") ($(tar -tJf .devcarry/mods.tar.xz | wc -l) entries)"
echo "call 2 carries js + mods: $(mb $((js + mods))) (limit for the pair: 25 MB)"
[ "$node_" -gt 0 ] && echo "call 1 carries .devcarry/node.xz: $(mb "$node_")"
if [ $((js + mods)) -gt 25000000 ]; then
  echo "pack.sh: js + mods exceed 25 MB" >&2
  exit 1
fi
