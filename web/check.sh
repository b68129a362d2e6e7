#!/usr/bin/env bash
# Checks the web app: the TypeScript type check, then the unit tests under Node's test runner.
# Needs only Debian's node, tsc and esbuild. Tests are web/test/*.test.ts, bundled by esbuild for Node.
set -euo pipefail

web="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$web/.."

echo "tsc --noEmit -p web"
tsc --noEmit -p web

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
NODE_PATH=/usr/share/nodejs esbuild "$web"/test/*.test.ts \
  --bundle --platform=node --format=esm --target=node20 --log-level=warning \
  --define:__DEV__=true '--define:process.env.NODE_ENV="development"' \
  --outdir="$out" --out-extension:.js=.mjs

echo "node --test"
WEB_DIR="$web" node --test --test-reporter=spec "$out"/*.test.mjs
