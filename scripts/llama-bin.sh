#!/usr/bin/env bash
# Makes target/llama-bin: the llama.cpp build of ../shared/tools/llama.cpp/bin as symlinks, with the library links
# that are stored there as small text files (e.g. libggml.so.0 containing "libggml.so.0.18.1") turned into real
# symlinks, so the binaries load. Then: LLAMA_BIN=target/llama-bin ../shared/tools/sidebyside.sh engine
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${1:-$here/../shared/tools/llama.cpp/bin}"
src="$(cd "$src" && pwd)"
dst="$here/target/llama-bin"
rm -rf "$dst"
mkdir -p "$dst"
for f in "$src"/*; do
  name="$(basename "$f")"
  if [ "$(stat -c %s "$f")" -lt 64 ] && grep -qx '[A-Za-z0-9._+-]*' "$f" 2>/dev/null; then
    ln -s "$(cat "$f")" "$dst/$name"
  else
    ln -s "$f" "$dst/$name"
  fi
done
echo "$dst"
