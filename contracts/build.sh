#!/bin/sh
# Called by the Maven build (generate-sources): installs the pinned npm packages (solc, anvil) and
# compiles the contracts into the folder given as $1. Runs `npm ci` only when package-lock.json
# changed since the last install, so repeated builds stay fast and work offline.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh <output-folder>}

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "ERROR: '$tool' was not found on PATH. Building PatientGate needs Node.js 20 or newer with npm" >&2
    echo "       (it compiles the Solidity contracts and installs the local anvil node)." >&2
    echo "       Install it, e.g. 'apt-get install nodejs npm' on Debian/Ubuntu, then run the build again." >&2
    exit 1
  fi
done
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "ERROR: Node.js $(node --version) is too old; PatientGate's contract build needs Node.js 20 or newer." >&2
  exit 1
fi

cd "$here"
stamp=node_modules/.patientgate-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
node compile.mjs "$out"
