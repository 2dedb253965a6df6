#!/usr/bin/env bash
# One-off: creates the ledger's QBFT network for docker-compose.yml in ./besu-network/ (git-ignored):
#   genesis.json                      shared by all validators (chain id, QBFT settings, validator set)
#   validatorN/key, key.pub, address  validator N's node key (its identity: back it up, never commit it)
#   validatorN/static-nodes.json      the other three validators, dialled at their compose addresses
# Runs Besu's own generator in the same image as docker-compose.yml, from docs/besu/qbft-config.json.
# Refuses to touch an existing network: a new genesis or new keys make a different chain.
# Usage: docs/besu/generate-network.sh        (needs docker; see docs/besu/README.md)
set -euo pipefail

# Keep both in step with docker-compose.yml (DockerComposeTest checks they match).
BESU_IMAGE="hyperledger/besu:25.10.0"
VALIDATOR_IPS=(172.16.239.11 172.16.239.12 172.16.239.13 172.16.239.14)
P2P_PORT=30303
BESU_UID=1000 # the user Besu runs as inside the image

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
network="$repo/besu-network"

fail() {
  echo "generate-network: $*" >&2
  exit 1
}

command -v docker >/dev/null 2>&1 || fail "docker is not on PATH"
# mkdir without -p is the check: it fails when besu-network/ exists, even when it appeared just now.
mkdir "$network" 2>/dev/null \
  || fail "$network already exists; it holds a network's genesis and keys. Move it away first if you really mean to start a new chain (docs/besu/README.md, 'Starting over')."

work="$network/.generate"
mkdir "$work"
done_ok=false
cleanup() {
  if [ "$done_ok" = true ]; then rm -rf "$work"; else rm -rf "$network"; fi
}
trap cleanup EXIT

cp "$here/qbft-config.json" "$work/qbft-config.json"
# As the calling user, so the files are ours; Besu's own binary, not the image's entrypoint (which
# starts as root to fix data-directory ownership and would then need to switch users).
docker run --rm \
  --user "$(id -u):$(id -g)" \
  --entrypoint /opt/besu/bin/besu \
  -v "$work:/work:z" \
  "$BESU_IMAGE" \
  operator generate-blockchain-config \
  --config-file=/work/qbft-config.json \
  --to=/work/out \
  --private-key-file-name=key

# The generator logs its I/O errors and may still exit 0: check what it wrote.
[ -s "$work/out/genesis.json" ] || fail "Besu wrote no genesis.json"
grep -q '"extraData"' "$work/out/genesis.json" || fail "genesis.json has no extraData (validator set)"
key_dirs=()
for d in "$work"/out/keys/*/; do
  [ -d "$d" ] && key_dirs+=("${d%/}")
done
[ "${#key_dirs[@]}" -eq "${#VALIDATOR_IPS[@]}" ] \
  || fail "expected ${#VALIDATOR_IPS[@]} validator keys, Besu wrote ${#key_dirs[@]} (blockchain.nodes.count in qbft-config.json)"

enodes=()
for i in "${!key_dirs[@]}"; do
  n=$((i + 1))
  src="${key_dirs[$i]}"
  dst="$network/validator$n"
  mkdir "$dst"
  mv "$src/key" "$dst/key"
  mv "$src/key.pub" "$dst/key.pub"
  basename "$src" >"$dst/address"
  pub=$(tr -d '[:space:]' <"$dst/key.pub")
  pub=${pub#0x}
  [[ "$pub" =~ ^[0-9a-fA-F]{128}$ ]] || fail "unexpected public key format in $dst/key.pub"
  enodes+=("enode://$pub@${VALIDATOR_IPS[$i]}:$P2P_PORT")
done

for i in "${!enodes[@]}"; do
  n=$((i + 1))
  {
    printf '['
    sep=""
    for j in "${!enodes[@]}"; do
      [ "$j" -eq "$i" ] && continue
      printf '%s\n  "%s"' "$sep" "${enodes[$j]}"
      sep=","
    done
    printf '\n]\n'
  } >"$network/validator$n/static-nodes.json"
done
mv "$work/out/genesis.json" "$network/genesis.json"

# Besu in the containers (uid $BESU_UID) reads the keys through read-only bind mounts: each key is
# readable by its owner only, and by uid $BESU_UID (made its owner when we are root, else an ACL).
chmod 0644 "$network/genesis.json" "$network"/validator*/key.pub "$network"/validator*/address \
  "$network"/validator*/static-nodes.json
chmod 0600 "$network"/validator*/key
if [ "$(id -u)" = 0 ]; then
  chown "$BESU_UID" "$network"/validator*/key
elif [ "$(id -u)" != "$BESU_UID" ]; then
  if command -v setfacl >/dev/null 2>&1 && setfacl -m "u:$BESU_UID:r" "$network"/validator*/key; then
    echo "Granted uid $BESU_UID (Besu in the containers) read access to the keys through an ACL."
  else
    echo "WARNING: the validators run as uid $BESU_UID and cannot read keys owned by uid $(id -u) with mode 0600." >&2
    echo "         Give them to that uid: sudo chown $BESU_UID $network/validator*/key" >&2
    echo "         (not needed with Docker Desktop, which maps file ownership)." >&2
  fi
fi

done_ok=true
echo
echo "QBFT network written to $network:"
for i in "${!enodes[@]}"; do
  n=$((i + 1))
  echo "  validator$n  address $(cat "$network/validator$n/address")  ${VALIDATOR_IPS[$i]}"
done
echo "Next: docker compose up -d besu-validator1 besu-validator2 besu-validator3 besu-validator4 postgres artemis"
echo "      (docs/besu/README.md)"
