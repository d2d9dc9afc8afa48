#!/usr/bin/env bash
# Build the optional native convolution addon (native/conv.c, native/elementwise.c → native/build/simgan_conv.node).
# Needs a C compiler with OpenMP, Node's headers (Debian's nodejs package ships them in /usr/include/node) and
# oneDNN (Debian: gcc libdnnl-dev; scripts/setup.sh installs them). Without it the wasm kernels run alone.

set -euo pipefail
cd "$(dirname "$0")/.."
cc="${CC:-gcc}"
node_include="${NODE_INCLUDE:-}"
if [ -z "$node_include" ]; then
  prefix="$(dirname "$(dirname "$(command -v node)")")"
  for d in "$prefix/include/node" /usr/include/node; do
    if [ -f "$d/node_api.h" ]; then node_include="$d"; break; fi
  done
fi
if [ -z "$node_include" ] || [ ! -f "$node_include/node_api.h" ]; then
  echo "build-native: node_api.h not found (looked in \$prefix/include/node and /usr/include/node); set NODE_INCLUDE" >&2
  exit 1
fi
if ! command -v "$cc" >/dev/null; then
  echo "build-native: no C compiler '$cc' (Debian: apt-get install gcc)" >&2
  exit 1
fi
mkdir -p native/build
tmp="native/build/simgan_conv.node.tmp.$$"
# -O3 vectorises the copy, bias and relu loops; the GEMMs are oneDNN's.
"$cc" -O3 -Wall -Werror -shared -fPIC -DNODE_GYP_MODULE_NAME=simgan_conv -I"$node_include" native/conv.c native/elementwise.c -o "$tmp" -fopenmp -ldnnl \
  || { rm -f "$tmp"; echo "build-native: compile failed (Debian: apt-get install libdnnl-dev)" >&2; exit 1; }
mv "$tmp" native/build/simgan_conv.node
echo "build-native: native/build/simgan_conv.node ($(node -e "const a=require('./native/build/simgan_conv.node');console.log(a.info().library)"))"
