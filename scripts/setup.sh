#!/usr/bin/env bash
# One-time set-up on a fresh Debian (bookworm) machine, safe to re-run (`--test`: also what the tests need): Debian packages for Jupyter, fonts
# and the native convolution addon, npm packages (which also builds dist/), the addon itself, and the
# project-local tslab kernelspec.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Jupyter comes from Debian (no PyPI needed): the classic Notebook server, nbconvert and nbclient to run
# notebooks headlessly. DejaVu fonts draw the captions of image grids. gcc and oneDNN (libdnnl-dev) build the
# native addon (native/: convolutions and element-wise kernels); Node's headers come with Debian's nodejs package. Chromium
# runs the browser tests (driven by playwright-core, which never downloads a browser).
APT_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client fonts-dejavu-core gcc libdnnl-dev chromium)
echo "setup: apt-get install ${APT_PACKAGES[*]}"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
# --test: what only the tests need besides — SLURM's daemons and client tools and munge, for the one-node
# cluster the SLURM executor's tests start (scripts/slurm-cluster.sh). Not installed for the main job.
if [ "${1:-}" = "--test" ]; then
  TEST_PACKAGES=(slurmctld slurmd slurm-client munge)
  echo "setup: apt-get install ${TEST_PACKAGES[*]} (--test)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${TEST_PACKAGES[@]}" >/dev/null
fi

echo "setup: npm ci (builds dist/ through the prepare script)"
npm ci --no-audit --no-fund

echo "setup: native convolution addon"
bash scripts/build-native.sh

# Tests and CI read the read-only data laid beside the project; link it into a git-ignored place.
if [ -d ../shared/data ]; then
  ln -sfn "$(cd ../shared/data && pwd)" data/shared
  echo "setup: linked data/shared -> $(readlink data/shared)"
fi

echo "setup: tslab kernelspec"
node dist/src/cli.js kernel-install
echo "setup: done. Check the machine with: npx simgan doctor"
