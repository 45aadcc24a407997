#!/usr/bin/env bash
# Source this file: it puts Node.js >= 22.18 and the pinned pnpm first on PATH.
# A machine whose Node.js is older gets Node 24 from the npm package `node@24`, installed into the
# ignored folder .tools/ at the repository root; pnpm likewise (version from package.json's
# packageManager). Only npm (which ships with any Node.js) is needed to start.
# It changes no shell option of the caller (no `set -e`): check its status, `source … || exit 1`
# works because every step below returns non-zero on failure.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_tools="$_root/.tools"
# Node 22.18 is the first 22.x that runs TypeScript sources directly (type stripping by default).
_node_ok() { node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null; }

_toolchain() {
  if ! _node_ok; then
    if [ ! -x "$_tools/node24/node_modules/node/bin/node" ]; then
      echo "toolchain: Node.js $(node --version 2>/dev/null || echo none) is older than 22.18; installing Node 24 into .tools/node24" >&2
      npm install --prefix "$_tools/node24" --no-audit --no-fund --loglevel=error node@24 >&2 || return 1
    fi
    export PATH="$_tools/node24/node_modules/node/bin:$PATH"
    _node_ok || { echo "toolchain: Node 24 did not install" >&2; return 1; }
  fi

  local pnpm_version
  pnpm_version="$(node -p "require('$_root/package.json').packageManager.split('@')[1]")" || return 1
  if [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
    if [ "$("$_tools/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$pnpm_version" ]; then
      echo "toolchain: installing pnpm $pnpm_version into .tools/pnpm" >&2
      npm install --prefix "$_tools/pnpm" --no-audit --no-fund --loglevel=error "pnpm@$pnpm_version" >&2 || return 1
    fi
    export PATH="$_tools/pnpm/node_modules/.bin:$PATH"
    [ "$(pnpm --version 2>/dev/null)" = "$pnpm_version" ] || { echo "toolchain: pnpm $pnpm_version did not install" >&2; return 1; }
  fi
  export PATH="$_root/node_modules/.bin:$PATH"
  echo "toolchain: node $(node --version), pnpm $(pnpm --version)" >&2
}
_toolchain
