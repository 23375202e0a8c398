#!/usr/bin/env bash
# kube-testenv.sh — a real, throw-away Kubernetes API server (etcd + kube-apiserver) on loopback
# for the `kubectl netscaler` tests.
#
#   kube-testenv.sh build                    build kube-apiserver once and cache it (idempotent)
#   kube-testenv.sh up DIR [--watch-pid PID] start etcd + kube-apiserver with all state in DIR
#   kube-testenv.sh down DIR                 stop what `up DIR` started
#   kube-testenv.sh path                     print the cached kube-apiserver path (builds if needed)
#   kube-testenv.sh key                      print the build recipe key (part of the cache path)
#
# Why build from source: nothing may be downloaded except from Debian/crates.io/PyPI/npm, and
# Debian bookworm ships the Kubernetes 1.20.2 *source* (with its whole vendor/ tree) but no
# usable server binary. Everything else (etcd, Go, openssl) comes from Debian too.
#
# Environment knobs:
#   KUBE_TESTENV_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-netscaler-testenv)
#   KUBE_TESTENV_START_TIMEOUT  seconds to wait for /readyz (default 90)
set -euo pipefail

readonly KUBE_VERSION=1.20.2
# bookworm's version is "1.20.5+really1.20.2-...": Debian reverted 1.20.5 to 1.20.2, hence the
# "really" matches below.
readonly DEBIAN_SRC_PACKAGE=kubernetes
readonly CACHE_ROOT=${KUBE_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-netscaler-testenv}
readonly START_TIMEOUT=${KUBE_TESTENV_START_TIMEOUT:-90}
SELF=$(readlink -f "${BASH_SOURCE[0]}"); readonly SELF

log() { printf '[kube-testenv] %s\n' "$*" >&2; }
die() { printf '[kube-testenv] ERROR: %s\n' "$*" >&2; exit 1; }

# Run as root directly, otherwise through sudo (apt needs it).
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# ---------------------------------------------------------------------------------------------
# Dependencies
# ---------------------------------------------------------------------------------------------

# apt is serialized through our own lock as well as dpkg's: two test processes may both find a
# package missing and both try to add the deb-src entry / run apt-get update.
apt_install_missing() {
  local missing=() pkg
  for pkg in "$@"; do
    [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  mkdir -p "$CACHE_ROOT"
  (
    flock -w 900 9 || die "timed out waiting for $CACHE_ROOT/apt.lock"
    log "installing with apt: ${missing[*]}"
    as_root apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2
  ) 9>"$CACHE_ROOT/apt.lock"
}

# `apt-get source` needs a deb-src line; bookworm's sources only list binary packages by default.
ensure_deb_src() {
  has_src() { [[ $(apt-cache showsrc "$DEBIAN_SRC_PACKAGE" 2>/dev/null) == *"really${KUBE_VERSION}"* ]]; }
  has_src && return 0
  mkdir -p "$CACHE_ROOT"
  (
    flock -w 900 9 || die "timed out waiting for $CACHE_ROOT/apt.lock"
    local f=/etc/apt/sources.list.d/kube-testenv-src.sources
    if [[ ! -e $f ]]; then
      log "adding deb-src entry for bookworm ($f)"
      as_root tee "$f" >/dev/null <<'EOF'
# Added by kubectl-netscaler tests/kube-testenv/kube-testenv.sh: source of the kubernetes package.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    as_root apt-get update -qq >&2
  ) 9>"$CACHE_ROOT/apt.lock"
  has_src || die "apt has no source package $DEBIAN_SRC_PACKAGE for $KUBE_VERSION (is this Debian bookworm?)"
}

readonly BUILD_PACKAGES=(golang-go rsync jq make
  golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev)
readonly RUNTIME_PACKAGES=(etcd-server openssl curl util-linux iproute2)

# ---------------------------------------------------------------------------------------------
# Build recipe. The cache key is the sha256 of these function bodies plus the versions they use,
# so editing the recipe automatically produces a new cache entry instead of a stale binary.
# ---------------------------------------------------------------------------------------------

# 1.20's vendored reflect2 1.0.1 relies on Go runtime map internals that changed in Go 1.18:
# under watch load the server dies with SIGSEGV in reflect2.UnsafeIterate. reflect2 1.0.2 (+ the
# json-iterator 1.1.12 that goes with it) fixes that; Debian ships both as Go source packages.
patch_vendor() {
  local src=$1 gocode=/usr/share/gocode/src
  local -A replace=(
    [github.com/modern-go/reflect2]="v1.0.1 v1.0.2"
    [github.com/json-iterator/go]="v1.1.10 v1.1.12"
  )
  local mod old new f
  for mod in "${!replace[@]}"; do
    read -r old new <<<"${replace[$mod]}"
    [[ -d $gocode/$mod ]] || die "missing Debian Go source $gocode/$mod"
    # Only the package itself: test files and sub-packages (extra/, *_tests/) are not vendored.
    find "$src/vendor/$mod" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) -delete
    for f in "$gocode/$mod"/*.go "$gocode/$mod"/*.s; do
      [[ -e $f && $f != *_test.go ]] && cp "$f" "$src/vendor/$mod/"
    done
    # `go build -mod=vendor` refuses to build if go.mod and vendor/modules.txt disagree.
    # Every "MODULE OLD" occurrence: require, replace and the modules.txt headers.
    sed -i "s#${mod//./\\.} ${old//./\\.}\\b#${mod} ${new}#g" "$src/go.mod" "$src/vendor/modules.txt"
    grep -q "^# ${mod} ${new} => ${mod} ${new}\$" "$src/vendor/modules.txt" \
      || die "vendor/modules.txt not updated for $mod"
  done
}

compile_apiserver() {
  local src=$1
  # Debian's debian/rules layout: a GOPATH whose k8s.io/kubernetes points back at the tree.
  mkdir -p "$src/.go/src/k8s.io"
  ln -sfn ../../.. "$src/.go/src/k8s.io/kubernetes"
  # No .git in a source package: give the build the version it would have read from the tag,
  # so /version reports v1.20.2 (kubectl's skew check and clients look at it).
  cat >"$src/.version-vars" <<EOF
KUBE_GIT_COMMIT=''
KUBE_GIT_TREE_STATE='archive'
KUBE_GIT_VERSION='v${KUBE_VERSION}'
KUBE_GIT_MAJOR='1'
KUBE_GIT_MINOR='20'
EOF
  (
    cd "$src"
    # A private GOCACHE keeps ~1 GB of build cache out of the user's home; it goes with $src.
    # (1.20's hack/ scripts build in GOPATH mode from vendor/, GO111MODULE=off.)
    env GOPATH="$src/.go" GOCACHE="$src/.gocache" CGO_ENABLED=0 \
      KUBE_GIT_VERSION_FILE="$src/.version-vars" PATH="/usr/lib/go/bin:$PATH" \
      make WHAT=cmd/kube-apiserver
  )
}

recipe_key() {
  {
    echo "kube=$KUBE_VERSION"
    declare -f patch_vendor compile_apiserver
  } | sha256sum | cut -c1-16
}

apiserver_cache_dir() { echo "$CACHE_ROOT/kube-apiserver-${KUBE_VERSION}-$(recipe_key)"; }
apiserver_binary() { echo "$(apiserver_cache_dir)/kube-apiserver"; }

cmd_build() {
  local bin; bin=$(apiserver_binary)
  [[ -x $bin ]] && { echo "$bin"; return 0; }   # fast path: no lock, no apt
  mkdir -p "$CACHE_ROOT"
  exec 8>"$CACHE_ROOT/build.lock"
  log "no cached kube-apiserver: building (or waiting for a concurrent build; lock $CACHE_ROOT/build.lock)"
  flock -w 3600 8 || die "timed out waiting for another build"
  # Somebody else may have finished the build while we waited.
  if [[ -x $bin ]]; then exec 8>&-; echo "$bin"; return 0; fi

  local t0=$SECONDS
  apt_install_missing "${BUILD_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"
  ensure_deb_src
  local work; work=$(mktemp -d "$CACHE_ROOT/build.XXXXXX")
  # The build tree is ~1.5 GB with the Go cache; never leave it behind, even on failure.
  trap 'rm -rf "$work"' EXIT
  log "fetching Debian source package $DEBIAN_SRC_PACKAGE into $work"
  # As root apt would drop to user _apt, which cannot write into our cache; download as root.
  local sandbox=(); [[ $(id -u) -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
  (cd "$work" && apt-get source --download-only -qq "${sandbox[@]}" "$DEBIAN_SRC_PACKAGE" >&2)
  # Only the upstream tarball: Debian's patches touch kubectl printing, not the API server.
  local orig; orig=$(ls "$work"/${DEBIAN_SRC_PACKAGE}_*really${KUBE_VERSION}.orig.tar.gz)
  mkdir "$work/src"
  tar -xzf "$orig" -C "$work/src" --strip-components=1 --no-same-owner   # kubernetes-1.20.2/...
  [[ -f $work/src/cmd/kube-apiserver/apiserver.go ]] || die "unexpected layout of $orig"
  patch_vendor "$work/src"
  log "compiling kube-apiserver $KUBE_VERSION (several minutes; log: $work/build.log)"
  if ! compile_apiserver "$work/src" >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log" >&2
    cp "$work/build.log" "$CACHE_ROOT/build-failed.log"   # the build tree itself is removed
    die "kube-apiserver build failed (full log: $CACHE_ROOT/build-failed.log)"
  fi
  local dest; dest=$(apiserver_cache_dir)
  mkdir -p "$dest"
  # Atomic publish: readers on the fast path never see a half-written binary.
  cp "$work/src/_output/bin/kube-apiserver" "$dest/.kube-apiserver.tmp"
  {
    echo "kubernetes $KUBE_VERSION from Debian source package $(basename "$orig")"
    echo "go: $(/usr/lib/go/bin/go version 2>/dev/null || go version)"
    echo "recipe key: $(recipe_key)"
    declare -f patch_vendor compile_apiserver
  } >"$dest/RECIPE"
  mv "$dest/.kube-apiserver.tmp" "$bin"
  rm -rf "$work"; trap - EXIT
  log "built $bin in $((SECONDS - t0)) s"
  exec 8>&-
  echo "$bin"
}

# ---------------------------------------------------------------------------------------------
# up / down
# ---------------------------------------------------------------------------------------------

# A port nobody uses right now, below the kernel's ephemeral range (so outgoing connections do
# not grab it meanwhile). Parallel `up`s can still race for the same port; the start-up loop
# below detects "address already in use" and retries with new ports.
free_port() {
  local p lo=20000 hi
  read -r hi _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || hi=32768   # first ephemeral port
  ((hi > lo + 1000)) || { lo=10000; hi=65535; }
  for _ in $(seq 1 200); do
    p=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo) ))
    if [[ -z $(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null) ]]; then
      echo "$p"; return 0
    fi
  done
  die "no free port found"
}

# Kernel start time of a process (field 22 of /proc/PID/stat): with the pid it identifies the
# process even if the pid number is reused later.
proc_starttime() {
  local stat fields
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }                 # the comm field may contain spaces; skip past it
  read -ra fields <<<"$stat"
  echo "${fields[19]}"              # field 22 overall = 20th after "pid (comm)"
}

# True if PID is alive and its command line mentions DIR, i.e. it is one of ours for DIR (this
# also protects against a pid file whose pid has been reused by an unrelated process).
is_ours() {
  local pid=$1 dir=$2
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
  local cmd
  cmd=" $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) " || return 1
  # DIR as a whole argument or path prefix: /tmp/x must not match a process of /tmp/x2.
  [[ $cmd == *" $dir/"* || $cmd == *" $dir "* ]]
}

gen_pki() {
  local pki=$1/pki
  mkdir -p "$pki"; chmod 700 "$pki"
  # ECDSA P-256: fast to generate, accepted by Go, kubectl and rustls alike. Extensions are
  # explicit because rustls/webpki rejects certificates that lack them (e.g. CA basicConstraints,
  # serverAuth on the serving certificate, IP SAN for 127.0.0.1).
  newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
  newkey "$pki/ca.key"
  openssl req -x509 -new -key "$pki/ca.key" -days 3650 -subj "/CN=kube-testenv-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$pki/ca.crt" 2>/dev/null
  # sign NAME SUBJECT EXTENSIONS
  sign() {
    newkey "$pki/$1.key"
    openssl req -new -key "$pki/$1.key" -subj "$2" -out "$pki/$1.csr" 2>/dev/null
    printf '%s\n' "$3" >"$pki/$1.ext"
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 3650 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
    rm -f "$pki/$1.csr"
  }
  sign apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  local client="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  # O=system:masters is bound to cluster-admin by the bootstrap RBAC policy.
  sign admin "/O=system:masters/CN=kubectl-netscaler-admin" "$client"
  # No groups except system:authenticated (added by the server): no RBAC permissions at all.
  sign limited "/CN=kubectl-netscaler-tester" "$client"
  # Service-account token signing key pair (1.20 refuses to start without issuer + keys).
  newkey "$pki/sa.key"
  openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  # Static bearer tokens for the same two identities, for clients that prefer tokens.
  local admin_token limited_token
  admin_token=$(openssl rand -hex 24); limited_token=$(openssl rand -hex 24)
  printf '%s,kubectl-netscaler-admin,kubectl-netscaler-admin,"system:masters"\n' "$admin_token" >"$pki/tokens.csv"
  printf '%s,kubectl-netscaler-tester,kubectl-netscaler-tester\n' "$limited_token" >>"$pki/tokens.csv"
  printf '%s' "$admin_token" >"$pki/admin.token"
  printf '%s' "$limited_token" >"$pki/limited.token"
  chmod 600 "$pki"/*.key "$pki"/*.token "$pki/tokens.csv"
}

# write_kubeconfig FILE URL USER (client cert pki/USER.crt) | write_kubeconfig FILE URL USER token
write_kubeconfig() {
  local file=$1 url=$2 user=$3 mode=${4:-cert} pki; pki=$(dirname "$1")/pki
  local b64='base64 -w0'
  {
    cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kube-testenv
  cluster:
    server: $url
    certificate-authority-data: $($b64 <"$pki/ca.crt")
contexts:
- name: kube-testenv
  context:
    cluster: kube-testenv
    user: $user
    namespace: default
current-context: kube-testenv
users:
- name: $user
  user:
EOF
    if [[ $mode == token ]]; then
      echo "    token: $(cat "$pki/$user.token")"
    else
      echo "    client-certificate-data: $($b64 <"$pki/$user.crt")"
      echo "    client-key-data: $($b64 <"$pki/$user.key")"
    fi
  } >"$file"
  chmod 600 "$file"
}

# The watchdog is this same script re-invoked (`_watchdog`), so `ps` shows what it is and its
# command line contains DIR (which `down` uses to recognise it).
cmd_watchdog() {
  local dir=$1 watch_pid=$2 watch_start=$3
  # Poll rather than wait: the watched process is not our child. The pid files are re-read each
  # time because `up` may restart the servers on other ports after a port collision.
  while [[ $(proc_starttime "$watch_pid" 2>/dev/null) == "$watch_start" ]]; do
    sleep 0.5
  done
  echo "$(date -Is) watched pid $watch_pid is gone: stopping etcd and kube-apiserver"
  # The API server first: stopping etcd under it only fills its log with connection errors.
  stop_pids "$dir" "$(cat "$dir/apiserver.pid" 2>/dev/null || true)"
  stop_pids "$dir" "$(cat "$dir/etcd.pid" 2>/dev/null || true)"
}

# stop_pids DIR PID... — TERM, wait up to 10 s, then KILL; only processes that are ours for DIR.
stop_pids() {
  local dir=$1; shift
  local pid live=()
  for pid in "$@"; do is_ours "$pid" "$dir" && { kill -TERM "$pid" 2>/dev/null || true; live+=("$pid"); }; done
  for _ in $(seq 1 100); do
    local still=()
    for pid in "${live[@]}"; do is_ours "$pid" "$dir" && still+=("$pid"); done
    [[ ${#still[@]} -eq 0 ]] && return 0
    sleep 0.1
  done
  for pid in "${live[@]}"; do
    if is_ours "$pid" "$dir"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  return 0
}

# Start etcd + kube-apiserver once with the given ports. Returns 0 when ready, 2 when a port was
# taken (caller retries with new ports), 1 on any other failure.
start_once() {
  local dir=$1 bin=$2 etcd_port=$3 etcd_peer_port=$4 api_port=$5 url
  url="https://127.0.0.1:$api_port"
  rm -rf "$dir/etcd"
  mkdir -p "$dir/etcd"; chmod 700 "$dir/etcd"
  # Log sizes before this attempt: only this attempt's output decides "port collision".
  local etcd_log_off api_log_off
  etcd_log_off=$(( $(stat -c %s "$dir/etcd.log" 2>/dev/null || echo 0) + 1 ))
  api_log_off=$(( $(stat -c %s "$dir/apiserver.log" 2>/dev/null || echo 0) + 1 ))
  # setsid: the servers must not receive the terminal's Ctrl-C/SIGHUP meant for the test run;
  # their lifetime is governed by `down` and the watchdog. Never inherit stdout/stderr: a caller
  # capturing our output (Command::output) would otherwise wait for the daemons to exit.
  setsid /usr/bin/etcd \
    --name kube-testenv \
    --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "kube-testenv=http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster-state new \
    --log-level warn --logger zap --log-outputs stderr \
    </dev/null >>"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"

  setsid "$bin" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
    --secure-port "$api_port" --insecure-port 0 \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" \
    --token-auth-file "$dir/pki/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/pki/sa.pub" \
    --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none \
    --disable-admission-plugins TaintNodesByCondition,ServiceAccount \
    --allow-privileged \
    --profiling=false \
    --cert-dir "$dir/pki" \
    --v 1 \
    </dev/null >>"$dir/apiserver.log" 2>&1 &
  echo $! >"$dir/apiserver.pid"

  local deadline=$((SECONDS + START_TIMEOUT)) etcd_pid apiserver_pid
  etcd_pid=$(cat "$dir/etcd.pid"); apiserver_pid=$(cat "$dir/apiserver.pid")
  while ((SECONDS < deadline)); do
    if ! kill -0 "$etcd_pid" 2>/dev/null || ! kill -0 "$apiserver_pid" 2>/dev/null; then
      stop_pids "$dir" "$apiserver_pid"; stop_pids "$dir" "$etcd_pid"
      if { tail -c "+$etcd_log_off" "$dir/etcd.log"; tail -c "+$api_log_off" "$dir/apiserver.log"; } 2>/dev/null \
          | grep 'address already in use' >/dev/null; then   # not -q: no SIGPIPE to tail
        return 2
      fi
      return 1
    fi
    # /readyz (1.16+) only answers ok once etcd is reachable and all post-start hooks (RBAC
    # bootstrap roles included) are done, so a test can use RBAC right after `up`.
    if [[ $(curl -s --max-time 2 --cacert "$dir/pki/ca.crt" \
              --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" "$url/readyz" 2>/dev/null) == ok ]]; then
      return 0
    fi
    sleep 0.2
  done
  stop_pids "$dir" "$apiserver_pid"; stop_pids "$dir" "$etcd_pid"
  log "kube-apiserver not ready after ${START_TIMEOUT}s"
  return 1
}

# What went wrong in the last attempt, readable: klog's Fatal dumps every goroutine after the
# message, which would push the message itself out of any tail, so the dump is cut off.
failure_report() {
  local dir=$1
  last_attempt() { awk '/^=== attempt /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$1" 2>/dev/null; }
  echo "----- etcd.log (last attempt, tail) -----"
  last_attempt "$dir/etcd.log" | tail -n 15 || true
  echo "----- apiserver.log: errors (last attempt) -----"
  last_attempt "$dir/apiserver.log" | grep -E '^[EF][0-9]{4} ' | tail -n 15 | cut -c1-400 || true
  echo "----- apiserver.log (last attempt, tail before any goroutine dump) -----"
  # (no early `exit` in awk: that would SIGPIPE the writer and, with pipefail, abort us)
  last_attempt "$dir/apiserver.log" | awk '/^goroutine [0-9]+ \[/{stop=1} !stop{print}' \
    | tail -n 30 | cut -c1-400 || true
}

cmd_up() {
  local dir="" watch_pid=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --watch-pid) watch_pid=${2:?--watch-pid needs a pid}; shift 2 ;;
      --watch-pid=*) watch_pid=${1#*=}; shift ;;
      -*) die "up: unknown option $1" ;;
      *) [[ -z $dir ]] || die "up: only one DIR"; dir=$1; shift ;;
    esac
  done
  [[ -n $dir ]] || die "usage: $0 up DIR [--watch-pid PID]"
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd -P)
  local f
  for f in etcd apiserver watchdog; do
    if [[ -s $dir/$f.pid ]] && is_ours "$(cat "$dir/$f.pid")" "$dir"; then
      die "$dir already has a running $f (pid $(cat "$dir/$f.pid")); run: $0 down $dir"
    fi
  done
  rm -f "$dir"/{etcd,apiserver,watchdog}.pid
  local watch_start=""
  if [[ -n $watch_pid ]]; then
    watch_start=$(proc_starttime "$watch_pid") || die "--watch-pid $watch_pid: no such process"
  fi

  local bin; bin=$(cmd_build)
  apt_install_missing "${RUNTIME_PACKAGES[@]}"
  local t0=$SECONDS
  gen_pki "$dir"

  # Started before the servers, so there is no window where they run unguarded.
  if [[ -n $watch_pid ]]; then
    setsid "$SELF" _watchdog "$dir" "$watch_pid" "$watch_start" </dev/null >>"$dir/watchdog.log" 2>&1 &
    echo $! >"$dir/watchdog.pid"
  fi

  local attempt rc=1 etcd_port etcd_peer_port api_port
  for attempt in 1 2 3 4 5; do
    etcd_port=$(free_port); etcd_peer_port=$(free_port); api_port=$(free_port)
    [[ $etcd_port != "$etcd_peer_port" && $etcd_port != "$api_port" && $etcd_peer_port != "$api_port" ]] || continue
    printf '=== attempt %s: etcd %s/%s apiserver %s ===\n' "$attempt" "$etcd_port" "$etcd_peer_port" "$api_port" \
      | tee -a "$dir/etcd.log" >>"$dir/apiserver.log"
    rc=0; start_once "$dir" "$bin" "$etcd_port" "$etcd_peer_port" "$api_port" || rc=$?
    [[ $rc -eq 2 ]] && { log "port collision, retrying with other ports"; continue; }
    break
  done
  if [[ $rc -ne 0 ]]; then
    [[ -s $dir/watchdog.pid ]] && stop_pids "$dir" "$(cat "$dir/watchdog.pid")"
    rm -f "$dir"/{etcd,apiserver,watchdog}.pid
    failure_report "$dir" >&2 || true
    die "start-up failed in $dir (logs: etcd.log, apiserver.log)"
  fi

  local url="https://127.0.0.1:$api_port"
  write_kubeconfig "$dir/admin.kubeconfig" "$url" admin
  write_kubeconfig "$dir/limited.kubeconfig" "$url" limited
  write_kubeconfig "$dir/admin-token.kubeconfig" "$url" admin token
  write_kubeconfig "$dir/limited-token.kubeconfig" "$url" limited token
  {
    printf 'KUBE_TESTENV_DIR=%q\n' "$dir"
    printf 'KUBE_VERSION=%q\n' "$KUBE_VERSION"
    printf 'APISERVER_URL=%q\n' "$url"
    printf 'APISERVER_PORT=%q\n' "$api_port"
    printf 'ETCD_URL=%q\n' "http://127.0.0.1:$etcd_port"
    printf 'ETCD_PORT=%q\n' "$etcd_port"
    printf 'ETCD_PEER_PORT=%q\n' "$etcd_peer_port"
    printf 'ETCD_PID=%q\n' "$(cat "$dir/etcd.pid")"
    printf 'APISERVER_PID=%q\n' "$(cat "$dir/apiserver.pid")"
    printf 'WATCHDOG_PID=%q\n' "$(cat "$dir/watchdog.pid" 2>/dev/null || true)"
    printf 'ADMIN_KUBECONFIG=%q\n' "$dir/admin.kubeconfig"
    printf 'LIMITED_KUBECONFIG=%q\n' "$dir/limited.kubeconfig"
    printf 'ADMIN_TOKEN=%q\n' "$(cat "$dir/pki/admin.token")"
    printf 'LIMITED_TOKEN=%q\n' "$(cat "$dir/pki/limited.token")"
    printf 'LIMITED_USER=%q\n' kubectl-netscaler-tester
    printf 'CA_CERT=%q\n' "$dir/pki/ca.crt"
  } >"$dir/env"
  log "ready in $((SECONDS - t0)) s: $url (dir $dir)"
}

cmd_down() {
  local dir=${1:?usage: $0 down DIR}
  [[ -d $dir ]] || { log "down: $dir does not exist, nothing to stop"; return 0; }
  dir=$(cd "$dir" && pwd -P)
  local f pid
  # Watchdog first, so it does not race us; then the API server before its store. stop_pids
  # only touches a pid whose command line names DIR, so a stale pid file never hits a stranger.
  for f in watchdog apiserver etcd; do
    pid=$(cat "$dir/$f.pid" 2>/dev/null || true)
    [[ -n $pid ]] && stop_pids "$dir" "$pid"
  done
  for f in watchdog apiserver etcd; do
    pid=$(cat "$dir/$f.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && is_ours "$pid" "$dir"; then die "down: $f (pid $pid) is still running"; fi
  done
  rm -f "$dir"/{etcd,apiserver,watchdog}.pid
}

main() {
  local cmd=${1:-}; shift || true
  case $cmd in
    build) cmd_build >/dev/null; apiserver_binary ;;
    path) cmd_build ;;
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    _watchdog) cmd_watchdog "$@" ;;
    key) recipe_key ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"
