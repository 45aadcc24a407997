#!/usr/bin/env bash
# Source this file: it puts Node.js >= 22 and pnpm 12.4.2 first on PATH.
# A machine whose Node.js is older than 22 gets Node 24 from the npm package `node@24`,
# installed into the ignored folder .tools/ at the repository root; pnpm likewise.
# Only npm (which ships with any Node.js) is needed to start.
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_tools="$_root/.tools"
_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_node_major)" -lt 22 ]; then
  if [ ! -x "$_tools/node24/node_modules/node/bin/node" ]; then
    echo "toolchain: Node.js $(node --version 2>/dev/null || echo none) is older than 22; installing Node 24 into .tools/node24" >&2
    npm install --prefix "$_tools/node24" --no-audit --no-fund --loglevel=error node@24 >&2
  fi
  export PATH="$_tools/node24/node_modules/node/bin:$PATH"
fi

_pnpm_version="$(node -p "require('$_root/package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$_pnpm_version" ]; then
  if [ "$("$_tools/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null || true)" != "$_pnpm_version" ]; then
    echo "toolchain: installing pnpm $_pnpm_version into .tools/pnpm" >&2
    npm install --prefix "$_tools/pnpm" --no-audit --no-fund --loglevel=error "pnpm@$_pnpm_version" >&2
  fi
  export PATH="$_tools/pnpm/node_modules/.bin:$PATH"
fi
export PATH="$_root/node_modules/.bin:$PATH"
echo "toolchain: node $(node --version), pnpm $(pnpm --version)" >&2
