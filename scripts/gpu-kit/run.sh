#!/usr/bin/env bash
# Leffa Studio GPU benchmark kit: the ONE command to run on a GPU machine without Node or internet, from the
# repository root, with the kit (scripts/gpu-kit/build.sh) in .devkit beside it:
#     OUT=<folder for results> bash .devkit/run.sh [webgpu] [train] [train-full] [engine]
# Steps (default: webgpu train; each under `timeout`, so one hang cannot eat the budget):
#   webgpu      scripts/bench-webgpu.ts --require-hardware: adapter, tiny UNet pair, fused vs plain attention  (<= 90 s)
#   train       scripts/bench-train-step.ts: mid and tiny models on webgpu, wasm x8, wasm x1                   (<= 240 s)
#   train-full  the same for the full SD1.5 Leffa model (512x384) on webgpu                                     (<= 240 s)
#   engine      scripts/bench/engine-case.ts: full SD1.5 Leffa UNet pair, VAE, 2-step try-on, 512x384 and
#               1024x768, weights resident                                                                  (<= 350 s)
# It unpacks Node 20 + a pruned node_modules + the fixtures to $TMPDIR (the repo only gets a node_modules symlink
# and, beside it, a ../shared symlink when those are missing), makes Vulkan usable for Dawn (the loader debs
# are unpacked into / when the machine has none: run it as root on a throw-away machine), and tees everything
# to $OUT/gpu-bench.log. Measured 2026-11-26 on an NVIDIA H200 (README, Performance).
# Simulation without a GPU: DEVKIT_SOFTWARE=1 OUT=/some/dir bash .devkit/run.sh (SwiftShader, tiny model;
# the loader debs go under $TMPDIR instead of /).
set -uo pipefail
T_START=$(date +%s)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT=$REPO/.devkit
export OUT=${OUT:-$PWD/gpu-bench-out}
mkdir -p "$OUT"
LOG=$OUT/gpu-bench.log
RT=${DEVKIT_TMP:-${TMPDIR:-/tmp}/leffa-devkit}
SOFT=${DEVKIT_SOFTWARE:-0}
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(webgpu train)
# Where the libvulkan1 deb is unpacked when the system has no Vulkan loader: '' = / (the device; it is
# root there), in software mode a folder under $RT (this machine must stay as it is).
GLROOT=${DEVKIT_GL_ROOT-}
if [ "$SOFT" = 1 ] && [ -z "$GLROOT" ]; then GLROOT=$RT/glroot; fi
cd "$REPO" || exit 1

elapsed() { echo $(( $(date +%s) - T_START )); }

# step NAME LIMIT_S CMD...: runs CMD under timeout, prints its exit status and elapsed time.
step() {
  local name=$1 limit=$2; shift 2
  local t0; t0=$(date +%s)
  echo
  echo "=== [$(elapsed) s] step: $name (limit ${limit} s)"
  echo "+ $*"
  timeout -k 5 "$limit" "$@"
  local rc=$?
  local note=""
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then note=" (TIMED OUT)"; fi
  echo "=== [$(elapsed) s] step: $name: exit $rc$note, $(( $(date +%s) - t0 )) s"
  return 0
}

main() {
  echo "=== Leffa devkit run.sh, $(date -u +%FT%TZ), repo $REPO, software mode $SOFT"
  # ---------------------------------------------------------------- unpack (to $RT, not into the repo)
  rm -rf "$RT"
  mkdir -p "$RT/bin"
  if command -v xz >/dev/null; then
    xz -dc "$KIT/node.xz" > "$RT/bin/node"
    tar -C "$RT" -xJf "$KIT/node_modules.tar.xz"
  else # no xz-utils: Python's lzma does the same
    echo "(no xz: unpacking with python3)"
    python3 -c 'import lzma, shutil, sys, tarfile
shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))
tarfile.open(sys.argv[3], "r:xz").extractall(sys.argv[4])' "$KIT/node.xz" "$RT/bin/node" "$KIT/node_modules.tar.xz" "$RT"
  fi
  chmod +x "$RT/bin/node"
  export PATH="$RT/bin:$PATH"
  NODE=$RT/bin/node
  echo "node: $NODE $("$NODE" --version)"
  # Node resolves packages from the script's folder upwards: point the repo's node_modules at the kit.
  if [ ! -e "$REPO/node_modules" ]; then ln -s "$RT/node_modules" "$REPO/node_modules"; fi
  # The benches read fixtures from <repo>/../shared, which does not travel to the device.
  if [ ! -e "$REPO/../shared/fixtures/leffa-tiny/fixture.json" ]; then
    if [ ! -e "$REPO/../shared" ]; then ln -s "$RT/shared" "$REPO/../shared" || echo "WARNING: cannot create $REPO/../shared"; else echo "WARNING: $REPO/../shared exists without the fixtures"; fi
  fi
  # dawn.node needs GLIBCXX_3.4.30 (GCC 12's libstdc++).
  SYS_STDCXX=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  if [ -n "$SYS_STDCXX" ] && grep -qa GLIBCXX_3.4.30 "$SYS_STDCXX"; then
    echo "libstdc++: $SYS_STDCXX has GLIBCXX_3.4.30"
  else
    echo "libstdc++: ${SYS_STDCXX:-none} lacks GLIBCXX_3.4.30; using the kit's"
    export LD_LIBRARY_PATH="$RT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  echo "glibc: $(ldd --version 2>&1 | head -1)"

  # ---------------------------------------------------------------- Vulkan loader + driver for Dawn
  if ldconfig -p | grep -q 'libvulkan.so.1 '; then
    echo "libvulkan.so.1: already installed"
  elif [ -n "$GLROOT" ]; then
    # Simulation: leave / alone; unpack elsewhere and put it on the library path.
    for f in "$KIT"/gl/*.deb; do dpkg -x "$f" "$GLROOT"; done
    export LD_LIBRARY_PATH="$GLROOT/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "libvulkan.so.1: unpacked under $GLROOT (simulation)"
  else
    for f in "$KIT"/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
    echo "libvulkan.so.1: unpacked $(ls "$KIT"/gl/*.deb | xargs -n1 basename | tr '\n' ' ')into /"
  fi
  echo "--- nvidia-smi -L"
  if command -v nvidia-smi >/dev/null; then nvidia-smi -L 2>&1; nvidia-smi --query-gpu=driver_version,memory.total --format=csv,noheader 2>&1; else echo "(no nvidia-smi)"; fi
  echo "--- ldconfig -p | grep vulkan"
  ldconfig -p | grep -i vulkan || echo "(none in the ld cache)"
  [ -n "$GLROOT" ] && ls "$GLROOT/usr/lib/x86_64-linux-gnu/" 2>/dev/null | grep -i vulkan
  echo "--- NVIDIA graphics libraries (the Vulkan ICD needs libGLX_nvidia.so.0)"
  ldconfig -p | grep -E 'libGLX_nvidia|libnvidia-glcore|libnvidia-gpucomp' || echo "(none in the ld cache)"
  if [ "$SOFT" != 1 ] && [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
    for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
      /etc/vulkan/icd.d/nvidia_icd.json; do
      if [ -e "$icd" ]; then export VK_DRIVER_FILES=$icd; break; fi
    done
  fi
  echo "ICD: VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-unset}"
  for f in ${VK_DRIVER_FILES:-} /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do
    [ -e "$f" ] && { echo "  $f:"; tr -d '\n' < "$f" | head -c 400; echo; }
  done
  echo "setup done after $(elapsed) s"

  # ---------------------------------------------------------------- benches (the steps named on the command line)
  if [ "$SOFT" = 1 ]; then
    step "train step, tiny: webgpu (software) vs wasm" 150 "$NODE" --import tsx scripts/bench-train-step.ts \
      --models tiny --backends webgpu:0,wasm:1,tensorflow:0 --runs 1 --modes checkpoint --webgpu-software \
      --case-timeout 120 --json "$OUT/train-step-tiny.json"
    step "bench-webgpu (software adapter, small sizes)" 120 "$NODE" --import tsx scripts/bench-webgpu.ts \
      --reps 1 --sizes 256:256:8:40
  else
    for s in "${STEPS[@]}"; do
      case $s in
        webgpu) step "bench-webgpu --require-hardware (adapter, tiny UNet pair, attention)" 90 "$NODE" --import tsx \
          scripts/bench-webgpu.ts --require-hardware --reps 3 --sizes 4096:4096:8:40,3072:3072:8:40,768:768:8:80 ;;
        train) step "train step, mid (256x128) and tiny (64x48): webgpu, wasm x8, wasm x1" 240 "$NODE" --import tsx \
          scripts/bench-train-step.ts --models mid,tiny --backends webgpu:0,wasm:8,wasm:1,tensorflow:0 --runs 2 \
          --case-timeout 100 --json "$OUT/train-step.json" ;;
        train-full) step "train step, full SD1.5 Leffa (512x384, batch 2): webgpu" 240 "$NODE" --import tsx \
          scripts/bench-train-step.ts --models full --backends webgpu:0 --runs 1 --case-timeout 230 --json "$OUT/train-step-full.json" ;;
        engine) for size in "512 384" "1024 768"; do
            step "full SD1.5 Leffa on webgpu, $size, weights resident" 175 env LEFFA_SHARED="$REPO/../shared" "$NODE" --import tsx \
              scripts/bench/engine-case.ts webgpu 1 sd15-full $size resident hardware-only
          done ;;
        *) echo "unknown step '$s' (webgpu | train | train-full | engine)" ;;
      esac
    done
  fi
  echo "=== done after $(elapsed) s"
}

main 2>&1 | tee "$LOG"
