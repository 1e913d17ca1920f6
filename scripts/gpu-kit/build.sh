#!/usr/bin/env bash
# Builds a self-contained kit for benchmarking on a GPU machine that has no Node and no internet, in
# <repo>/.devkit (git-ignored), to be copied there beside the repository (e.g. a device tool's carry):
#   node.xz              this machine's node (Node 20, x86-64), xz -9e (made once, kept in .devkit-cache/)
#   node_modules.tar.xz  node_modules/ pruned to what the benches load at run time, shared/fixtures (the tiny
#                        fixture + the SD1.5 manifest), lib/libstdc++.so.6 (fallback for dawn.node)
#   gl/*.deb             the Vulkan loader and GL vendor-neutral dispatch libraries (Debian, amd64)
#   run.sh               the one command to run there (scripts/gpu-kit/run.sh)
# Usage: bash scripts/gpu-kit/build.sh   (from a checkout with node_modules installed and ../shared beside it)
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NM=$SRC/node_modules
KIT=$SRC/.devkit
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/leffa-devkit-stage.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/node_modules" "$STAGE/shared/fixtures" "$STAGE/lib" "$KIT/gl"

copy() { # copy NM-relative paths, keeping the layout
  for p in "$@"; do
    mkdir -p "$STAGE/node_modules/$(dirname "$p")"
    cp -a "$NM/$p" "$STAGE/node_modules/$p"
  done
}

# TensorFlow.js: models/tf.ts requires the union package @tensorflow/tfjs (CommonJS node bundles), which
# requires core, cpu, webgl, converter, data, layers. Each: package.json + its dist/<name>.node.js only.
for pair in tfjs:tf tfjs-core:tf-core tfjs-backend-cpu:tf-backend-cpu tfjs-backend-webgl:tf-backend-webgl \
  tfjs-converter:tf-converter tfjs-data:tf-data tfjs-layers:tf-layers tfjs-backend-webgpu:tf-backend-webgpu \
  tfjs-backend-wasm:tf-backend-wasm; do
  pkg=${pair%%:*}; bundle=${pair#*:}
  copy "@tensorflow/$pkg/package.json" "@tensorflow/$pkg/dist/$bundle.node.js"
done
# wasm: the three .wasm builds the node bundle picks from, and wasm-out (the threaded build's plain
# emscripten glue + worker + wasm, used by models/backend/threaded-wasm.ts).
copy @tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm \
  @tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm \
  @tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm
mkdir -p "$STAGE/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out"
cp -a "$NM"/@tensorflow/tfjs-backend-wasm/wasm-out/*.js "$NM"/@tensorflow/tfjs-backend-wasm/wasm-out/*.wasm \
  "$STAGE/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/"
# Plain dependencies of the bundles (seedrandom, long; node-fetch is required lazily by tfjs-core).
for pkg in seedrandom long node-fetch whatwg-url tr46 webidl-conversions; do copy "$pkg"; done
# Dawn for Node: index.js + the linux-x64 native module only.
copy webgpu/package.json webgpu/index.js webgpu/dist/linux-x64/dawn.node
# tsx (runs the .ts scripts; bench-train-step spawns `node --import tsx` children) and esbuild's binary.
copy tsx/package.json tsx/dist esbuild/package.json esbuild/lib/main.js \
  @esbuild/linux-x64/package.json @esbuild/linux-x64/bin/esbuild
# sharp (image I/O, imported by the pipelines) with its linux-x64 libvips.
copy sharp @img/colour @img/sharp-linux-x64 @img/sharp-libvips-linux-x64 detect-libc semver
# Strip what is never loaded.
find "$STAGE/node_modules" \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -iname 'README*' \
  -o -iname 'CHANGELOG*' -o -name '*.md' \) -type f -delete
rm -f "$STAGE/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/"*.d.ts

# Fixtures the benches read from ../shared (it does not travel to the device).
F=$SRC/../shared/fixtures
mkdir -p "$STAGE/shared/fixtures/leffa-tiny"
cp -a "$F/sd15-manifest.json" "$STAGE/shared/fixtures/"
cp -a "$F/leffa-tiny/fixture.json" "$F/leffa-tiny/weights.safetensors" "$F/leffa-tiny/base" "$STAGE/shared/fixtures/leffa-tiny/"

# dawn.node needs GLIBCXX_3.4.30 (libstdc++ of GCC 12+); run.sh puts this one on LD_LIBRARY_PATH only when
# the device's own libstdc++ is older.
cp -L /usr/lib/x86_64-linux-gnu/libstdc++.so.6 "$STAGE/lib/libstdc++.so.6"

du -sh "$STAGE"/* "$STAGE"/node_modules/* "$STAGE"/node_modules/@tensorflow/* 2>/dev/null | sort -h | tail -12
tar -C "$STAGE" -cf - node_modules shared lib | xz -9e -T1 > "$KIT/node_modules.tar.xz"

# Node 20, compressed once (slow: ~1-2 min).
mkdir -p "$SRC/.devkit-cache"
if [ ! -s "$SRC/.devkit-cache/node.xz" ]; then xz -9e -T1 -c "$(command -v node)" > "$SRC/.devkit-cache/node.xz"; fi
cp "$SRC/.devkit-cache/node.xz" "$KIT/node.xz"
cp "$SRC/scripts/gpu-kit/run.sh" "$KIT/run.sh"
if ! ls "$KIT"/gl/libvulkan1_*.deb >/dev/null 2>&1; then
  lists=$STAGE/apt-lists # apt's package lists for amd64, apart from the system's
  mkdir -p "$lists/partial"
  o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
  # shellcheck disable=SC2086
  apt-get $o update >/dev/null && (cd "$KIT/gl" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
ls -la "$KIT" "$KIT/gl"
du -sh "$KIT"
