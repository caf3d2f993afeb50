#!/bin/sh
# Writes the CURVE pairs, a database password and an API token for compose.yaml:
#   keys/<name>.key (secret, mode 0400, owner 10001 = the image's user) and keys/<name>.pub,
#   .env with the public keys the master allow-lists, SZ_API_TOKEN and SZ_DB_PASSWORD.
# Uses the image (SZ_IMAGE, default schedulezero:dev), or the workspace with SZ_KEYGEN="pnpm -s keygen".
# Existing keys are kept: delete keys/ and .env to start over.
set -eu
cd "$(dirname "$0")"
image="${SZ_IMAGE:-schedulezero:dev}"
keygen="${SZ_KEYGEN:-docker run --rm --entrypoint schedulezero-master $image keygen}"
umask 077
mkdir -p keys
for name in link zone-dmz zone-regional handler replica-dmz replica-regional; do
  [ -f "keys/$name.key" ] && continue
  pair="$($keygen)"
  printf '%s\n' "$pair" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).secretKey+"\n"))' >"keys/$name.key"
  printf '%s\n' "$pair" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).publicKey+"\n"))' >"keys/$name.pub"
  chmod 0400 "keys/$name.key"
  chmod 0444 "keys/$name.pub"
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
