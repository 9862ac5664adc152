#!/usr/bin/env bash
# docker-secrets.sh [DIR]: the secrets docker/compose.yaml reads (make docker-secrets), in DIR
# (default docker/secrets, git-ignored):
#   <user>.password   a random password per Redis user: default (the operator's admin login:
#                     redis-cli, backups, the Redis healthcheck), qrew-coordinator, qrew-worker,
#                     qrew-submitter, qrew-viewer. An existing file is kept (rotating: delete it, run
#                     this again, restart Redis and the services that use it).
#   users.acl         docker/users.acl (the rules of `qctl acl --namespace qrew`, every user off)
#                     with each user turned on with the SHA-256 of its password (`#<hex>`): Redis
#                     never sees a password in clear, and the committed file holds none.
#   web.token         the bearer token qrew-web's writes (submit, cancel, retry) must carry
#                     (docs/http-api.md); an existing file is kept.
#   signing.key       the task signing key of coordinators and workers (`<id>:<base64 key>`, 256
#                     random bits; docs/security.md, *Signed tasks*). An existing file is kept
#                     (rotating: put a new key line first, keep the old one second, restart).
# DIR is 0700 (only its owner on this host reads the passwords); the files in it are 0644 because
# the containers' users (root in Redis's, `qrew` in Qrew's) read them through bind mounts.
# Needs sha256sum and python3 or openssl. docs/security.md, *Roles and Redis ACLs*.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-docker/secrets}
TEMPLATE=docker/users.acl
[ -f "$TEMPLATE" ] || { echo "docker-secrets: $TEMPLATE is missing" >&2; exit 1; }
mkdir -p "$DIR"
chmod 0700 "$DIR"
random_password() {
    python3 -c 'import secrets; print(secrets.token_hex(24))' 2>/dev/null || openssl rand -hex 24
}
hash_of() { printf '%s' "$(cat "$DIR/$1.password")" | sha256sum | cut -d' ' -f1; }
users="default qrew-coordinator qrew-worker qrew-submitter qrew-viewer"
for user in $users; do
    file=$DIR/$user.password
    if [ ! -s "$file" ]; then
        random_password >"$file"
        echo "docker-secrets: wrote $file"
    fi
    chmod 0644 "$file"
done
if [ ! -s "$DIR/web.token" ]; then
    random_password >"$DIR/web.token"
    echo "docker-secrets: wrote $DIR/web.token"
fi
chmod 0644 "$DIR/web.token"
if [ ! -s "$DIR/signing.key" ]; then
    key=$(python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())' 2>/dev/null \
          || openssl rand -base64 32)
    echo "k$(date -u +%Y%m%d):$key" >"$DIR/signing.key"
    echo "docker-secrets: wrote $DIR/signing.key"
fi
chmod 0644 "$DIR/signing.key"
acl=$DIR/users.acl.tmp
cp "$TEMPLATE" "$acl"
for user in $users; do
    grep -q "^user $user " "$acl" || { echo "docker-secrets: $TEMPLATE has no user $user" >&2; rm -f "$acl"; exit 1; }
done
# The default user becomes the operator's full-access login; each role keeps its rules.
sed -i "s|^user default off .*|user default on #$(hash_of default) ~* \&* +@all|" "$acl"
for user in qrew-coordinator qrew-worker qrew-submitter qrew-viewer; do
    sed -i "s|^user $user off resetpass |user $user on #$(hash_of "$user") |" "$acl"
done
chmod 0644 "$acl"
mv "$acl" "$DIR/users.acl"
echo "docker-secrets: wrote $DIR/users.acl (users: $users)"
