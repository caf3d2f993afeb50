#!/bin/sh
# Writes the CURVE pairs, a database password and an API token for compose.yaml:
#   keys/<name>.key (secret, mode 0400, owner 10001 = the image's user) and keys/<name>.pub (0444),
#   one pair for every secretKeyFile the configs in config/ name (`keygen --for`),
#   .env with the public keys the master allow-lists, SZ_API_TOKEN and SZ_DB_PASSWORD.
# Uses the image (SZ_IMAGE, default schedulezero:dev), or the workspace with SZ_KEYGEN="pnpm -s keygen".
# Existing keys are kept (keygen never overwrites one): delete keys/ and .env to start over.
set -eu
cd "$(dirname "$0")"
image="${SZ_IMAGE:-schedulezero:dev}"
keygen() {
  if [ -n "${SZ_KEYGEN:-}" ]; then
    $SZ_KEYGEN "$@"
  else
    docker run --rm -v "$(pwd):/work" -w /work -u "$(id -u):$(id -g)" --entrypoint schedulezero-master "$image" keygen "$@"
  fi
}
umask 077
for config in config/master.yaml config/handler.yaml config/replica-dmz.yaml config/replica-regional.yaml; do
  keygen --out keys --for "$config"
done
chmod 0755 keys
if [ ! -f .env ]; then
  {
    echo "SZ_API_TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    echo "SZ_DB_PASSWORD=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
  } >.env
fi
# The public keys are rewritten each time from keys/.
grep -v '^SZ_.*_PUB=' .env >.env.tmp || true
{
  cat .env.tmp
  echo "SZ_HANDLER_PUB=$(cat keys/handler.pub)"
  echo "SZ_REPLICA_DMZ_PUB=$(cat keys/replica-dmz.pub)"
  echo "SZ_REPLICA_REGIONAL_PUB=$(cat keys/replica-regional.pub)"
} >.env
rm -f .env.tmp
chmod 0600 .env
if [ "$(id -u)" = 0 ]; then
  chown 10001:10001 keys/*.key
else
  echo "now give the secret keys to the image's user: sudo chown 10001:10001 $(pwd)/keys/*.key" >&2
fi
