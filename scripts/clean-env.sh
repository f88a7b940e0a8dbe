#!/usr/bin/env bash
# The README's two quick-start commands on a fresh Debian 12 root, from `git clone` on:
#   1. builds a throwaway Debian 12 (bookworm) root with debootstrap (Docker's daemon is not
#      available on the project's machines, so a chroot with /proc, /sys, /dev mounted stands in
#      for a container),
#   2. gives it Node.js 20 and npm by copying the host's `node` binary and npm (the root gets no
#      other Node source: the README assumes "Node.js >= 20" is there) and git (to clone),
#   3. clones the repository (the commit REF, default HEAD) inside it, then runs exactly
#      `npm start` (curls the page it serves, then stops it) and `npm test`,
#   4. writes docs/clean-env/TRANSCRIPT.md: commands, exit codes, durations, the final
#      "N passed, N failed" line, the host's CPU; the full logs stay in ROOT/logs.
# Needs root (debootstrap, chroot, mounts) and about 6 GB in ROOT.
# Usage: sudo scripts/clean-env.sh [REF]   (CLEAN_ENV_ROOT=/var/tmp/lenet-clean-env by default;
#        CLEAN_ENV_TEST_ARGS='-- setup' appends arguments to `npm test` for a quick trial, and the
#        transcript then says the command was not the README's)
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
REF=${1:-HEAD}
ROOT=${CLEAN_ENV_ROOT:-/var/tmp/lenet-clean-env}
TEST_ARGS=${CLEAN_ENV_TEST_ARGS:-}
OUT=$REPO/docs/clean-env/TRANSCRIPT.md
LOGS=$ROOT/logs
PORT_USED=8080

[ "$(id -u)" -eq 0 ] || { echo "clean-env: run as root (debootstrap and chroot need it)"; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap || { echo "clean-env: cannot install debootstrap"; exit 1; }

COMMIT=$(git -C "$REPO" rev-parse "$REF") || exit 1

unmount_all() {
  for m in dev sys proc; do mountpoint -q "$ROOT/$m" && umount -R -l "$ROOT/$m"; done
}
trap unmount_all EXIT

unmount_all
# Never delete through a mount that is still there (ROOT/dev is the host's /dev).
if grep -q " $ROOT/" /proc/mounts; then echo "clean-env: mounts remain under $ROOT; unmount them first"; exit 1; fi
rm -rf --one-file-system "$ROOT"
mkdir -p "$ROOT"

transcript_steps=()
# step NAME COMMAND...: runs COMMAND on the host (use in_root for the chroot), logs it, records
# its exit code and duration for the transcript.
step() {
  local name=$1; shift
  local log="$LOGS/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log"
  mkdir -p "$LOGS"
  echo "== $name"
  local start=$(date +%s)
  "$@" >"$log" 2>&1
  local rc=$?
  local seconds=$(( $(date +%s) - start ))
  transcript_steps+=("$name|$rc|$seconds|$log")
  echo "   exit $rc after ${seconds}s (log: $log)"
  return $rc
}

# The clean root's shell: a login shell as root in /root, with nothing of the host's environment.
in_root() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    LANG=C.UTF-8 /bin/bash -lc "$1"
}

mount_all() {
  # rslave: nothing mounted or unmounted under the root's /dev reaches the host's.
  mount -t proc proc "$ROOT/proc" && mount -t sysfs sys "$ROOT/sys" &&
    mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev" &&
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
}

# The host's Node: the binary and the global npm it runs, nothing else from /usr/lib/node_modules.
copy_node() {
  local npm_dir
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  install -D "$(readlink -f "$(command -v node)")" "$ROOT/usr/bin/node" &&
    mkdir -p "$ROOT/usr/lib/node_modules" && cp -a "$npm_dir" "$ROOT/usr/lib/node_modules/npm" &&
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/bin/npm" &&
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/bin/npx" &&
    in_root 'node --version && npm --version'
}

# This machine's network intercepts TLS with its own certificate authority, which the host trusts
# (local CA files, npm's cafile); a machine on this network needs the same, and gets nothing else.
trust_network() {
  if ! ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then echo "the host has no local CA certificates"; return 0; fi
  mkdir -p "$ROOT/usr/local/share/ca-certificates" "$ROOT/usr/etc" &&
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/" &&
    in_root 'update-ca-certificates' &&
    echo 'cafile=/etc/ssl/certs/ca-certificates.crt' > "$ROOT/usr/etc/npmrc"
}

# The repository as a bare one the root can clone from (only the commit under test, as main).
publish_repo() {
  git init -q --bare -b main "$ROOT/srv/lenet-webgpu.git" &&
    git -C "$REPO" push -q "$ROOT/srv/lenet-webgpu.git" "$COMMIT:refs/heads/main"
}

# `npm start` in the background until the page answers on 8080, then the page itself, then stop.
demo_serves() {
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
    # The chroot shares the host's network: another server holds 8080 (the README's PORT override).
    PORT_USED=18080; echo "port 8080 is taken on the host; using PORT=$PORT_USED"
  fi
  local env_port=""; [ "$PORT_USED" = 8080 ] || env_port="PORT=$PORT_USED "
  in_root "cd /root/lenet-webgpu && ${env_port}setsid npm start > /root/npm-start.log 2>&1 & echo \$! > /root/npm-start.pid" || return 1
  local code=000 tries=0
  while [ $tries -lt 900 ]; do
    code=$(curl -s -o "$LOGS/demo-page.html" -w '%{http_code}' "http://127.0.0.1:$PORT_USED/" || true)
    [ "$code" = 200 ] && break
    kill -0 "$(cat "$ROOT/root/npm-start.pid")" 2>/dev/null || break
    sleep 1; tries=$((tries + 1))
  done
  cat "$ROOT/root/npm-start.log"
  echo "GET http://127.0.0.1:$PORT_USED/ -> $code"
  local data_code
  data_code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT_USED/data/fashion-mnist/t10k-labels-idx1-ubyte.gz" || true)
  echo "GET /data/fashion-mnist/t10k-labels-idx1-ubyte.gz -> $data_code"
  local pgid; pgid=$(cat "$ROOT/root/npm-start.pid")
  kill -- "-$pgid" 2>/dev/null; sleep 1
  # setsid may have forked (then the group is not $pgid): stop every process whose root is the chroot.
  local proc
  for proc in /proc/[0-9]*; do
    [ "$(readlink "$proc/root" 2>/dev/null)" = "$(readlink -f "$ROOT")" ] && kill "${proc#/proc/}" 2>/dev/null
  done
  [ "$code" = 200 ] && grep -q '<title>' "$LOGS/demo-page.html" && grep -o '<title>[^<]*</title>' "$LOGS/demo-page.html" &&
    [ "$data_code" = 200 ]
}

cd "$REPO"
step "debootstrap bookworm $ROOT" debootstrap bookworm "$ROOT" &&
  step "mount /proc /sys /dev" mount_all &&
  step "copy the host's node and npm" copy_node &&
  step "apt-get install git ca-certificates (to clone)" in_root 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git ca-certificates' &&
  step "trust this network's CA" trust_network &&
  step "publish commit $COMMIT" publish_repo &&
  step "git clone /srv/lenet-webgpu.git lenet-webgpu" in_root 'cd /root && git clone /srv/lenet-webgpu.git lenet-webgpu && git -C lenet-webgpu log -1 --format="%H %s"' &&
  { step "npm start (curl the page, then stop it)" demo_serves
    step "npm test${TEST_ARGS:+ $TEST_ARGS}" in_root "cd /root/lenet-webgpu && npm test ${TEST_ARGS}"; }

# The transcript.
mkdir -p "$(dirname "$OUT")"
{
  echo "# Clean-environment check: the README's quick start on a fresh Debian 12 root"
  echo
  echo "Made by \`scripts/clean-env.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), for commit \`$COMMIT\`."
  echo "The root is a fresh \`debootstrap bookworm\` chroot (Docker's daemon is not available on this"
  echo "machine) with /proc, /sys, /dev mounted and the host's network. Node.js comes from the host:"
  echo "its \`node\` binary and npm were copied in ($(node --version), npm $(npm --version)). git was installed to"
  echo "clone, and this network's TLS-intercepting CA certificate was trusted (as on any machine here)."
  echo "Everything else was installed by the README's commands themselves, run as root."
  [ -z "$TEST_ARGS" ] || { echo; echo "**Trial run**: \`npm test\` was given \`$TEST_ARGS\`, so it is not the README's command."; }
  [ "$PORT_USED" = 8080 ] || { echo; echo "Port 8080 was taken on the host, so \`npm start\` ran with \`PORT=$PORT_USED\` (the README's override)."; }
  echo
  echo "Host: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(grep -c '^processor' /proc/cpuinfo) CPUs" \
    "(/proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) memory, Linux $(uname -r), no GPU"
  echo "(WebGPU runs on SwiftShader). Other jobs shared the CPUs, so durations are not speed figures."
  echo
  echo "| step | exit code | duration |"
  echo "|---|---:|---:|"
  for s in "${transcript_steps[@]}"; do
    IFS='|' read -r name rc seconds log <<<"$s"
    printf '| `%s` | %s | %dm %02ds |\n' "$name" "$rc" $((seconds / 60)) $((seconds % 60))
  done
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOGS"/npm-test*.log 2>/dev/null | tail -n 1)
  echo
  echo "\`npm test\`'s final line: \`${summary:-none (it did not get to the end)}\`"
  for s in "${transcript_steps[@]}"; do
    IFS='|' read -r name rc seconds log <<<"$s"
    case "$name" in "npm start"*|"npm test"*|"copy the host"*|"git clone"*) ;; *) continue ;; esac
    echo
    echo "## \`$name\` (exit $rc)"
    echo
    echo '```text'
    # The install logs run to thousands of lines; their ends say how it went.
    grep -v '^\s*$' "$log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | tail -n 60
    echo '```'
  done
} > "$OUT"
echo "wrote $OUT"
last_rc=$(IFS='|' read -r _ rc _ _ <<<"${transcript_steps[-1]}"; echo "$rc")
[ "${#transcript_steps[@]}" -eq 9 ] && [ "$last_rc" -eq 0 ]
