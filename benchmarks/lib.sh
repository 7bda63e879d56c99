# Shared helpers for benchmarks/run, benchmarks/idle_connections, benchmarks/slow_upstream and
# benchmarks/profile. Sourced, not run. Bash 5; needs nginx, wrk, taskset, ss, curl, cmake, ninja
# (bench_init installs them with scripts/bootstrap --bench).
#
# Every process started through start_bg is stopped by the EXIT trap installed by bench_init,
# and every temp file lives under $BENCH_TMP (removed on exit unless KEEP_TMP=1).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

# ---- settings (environment) -----------------------------------------------------------------
THREADS=${THREADS:-2}                    # Portico loops == nginx worker_processes
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build-bench}
BODY_BYTES=${BODY_BYTES:-1024}           # upstream response body size
NGINX_BIN=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}
ECHO_MODULE=${ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
NCPU=$(nproc)

# The CPUs this script may use (affinity-aware), and a list for CPUs[$1]..CPUs[$2].
ALLOWED_CPUS=()
for part in $(awk '/^Cpus_allowed_list:/{gsub(/,/, " ", $2); print $2}' /proc/self/status); do
  if [[ $part == *-* ]]; then
    for ((c = ${part%-*}; c <= ${part#*-}; c++)); do ALLOWED_CPUS+=("$c"); done
  else
    ALLOWED_CPUS+=("$part")
  fi
done
((${#ALLOWED_CPUS[@]} > 0)) || mapfile -t ALLOWED_CPUS < <(seq 0 $((NCPU - 1)))
NCPU=${#ALLOWED_CPUS[@]}
cpu_range() {
  local cpus=() i
  for ((i = $1; i <= $2; i++)); do cpus+=("${ALLOWED_CPUS[$i]}"); done
  (IFS=,; echo "${cpus[*]}")
}
# CPU placement (taskset -c lists). The proxy under test always gets CPUs of its own, so it is
# the bottleneck and the comparison measures the proxy rather than the load generator:
#   >= THREADS+3 CPUs: upstream on 0, wrk on 1-2, proxy on the next THREADS CPUs
#   >= THREADS+2 CPUs: upstream on 0, wrk on 1, proxy on the next THREADS CPUs
#   2..THREADS+1 CPUs: upstream and wrk share CPU 0, the proxy gets all the others (its
#                      THREADS loops/workers share them)
#   1 CPU:             everything on CPU 0
# Override with UPSTREAM_CPUS, WRK_CPUS and PROXY_CPUS.
PLACEMENT=custom
if [[ -z ${UPSTREAM_CPUS:-} && -z ${WRK_CPUS:-} && -z ${PROXY_CPUS:-} ]]; then
  if ((NCPU >= THREADS + 3)); then
    UPSTREAM_CPUS=$(cpu_range 0 0) WRK_CPUS=$(cpu_range 1 2) PROXY_CPUS=$(cpu_range 3 $((3 + THREADS - 1)))
    PLACEMENT=dedicated
  elif ((NCPU >= THREADS + 2)); then
    UPSTREAM_CPUS=$(cpu_range 0 0) WRK_CPUS=$(cpu_range 1 1) PROXY_CPUS=$(cpu_range 2 $((2 + THREADS - 1)))
    PLACEMENT=dedicated
  elif ((NCPU >= 2)); then
    UPSTREAM_CPUS=$(cpu_range 0 0) WRK_CPUS=$(cpu_range 0 0) PROXY_CPUS=$(cpu_range 1 $((NCPU - 1)))
    PLACEMENT=small
  else
    UPSTREAM_CPUS=$(cpu_range 0 0) WRK_CPUS=$UPSTREAM_CPUS PROXY_CPUS=$UPSTREAM_CPUS PLACEMENT=single
  fi
fi
: "${UPSTREAM_CPUS:=$(cpu_range 0 $((NCPU - 1)))}" "${WRK_CPUS:=$(cpu_range 0 $((NCPU - 1)))}"
: "${PROXY_CPUS:=$(cpu_range 0 $((NCPU - 1)))}"
WRK_THREADS=${WRK_THREADS:-2}

# ---- lifecycle ------------------------------------------------------------------------------
BG_PIDS=()
BENCH_TMP=""

log() { printf '%s\n' "$*" >&2; }
die() {
  printf 'benchmark: %s\n' "$*" >&2
  exit 1
}

# True if PID $1 is still a child of this shell (a PID that exited and was reused by another
# process is never signalled). Start and stop processes from the same shell, never inside $(...).
is_our_child() {
  local ppid
  ppid=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $2}')
  [[ $ppid == "$BASHPID" ]]
}

# Grandchildren to stop with their parent (e.g. the program heaptrack's wrapper script runs):
# "PARENT:PID" entries, signalled only while PID's parent is still PARENT.
GRANDCHILDREN=()
track_grandchild() { GRANDCHILDREN+=("$1:$2"); }

# Stops one PID we started (TERM, then KILL after 5 s) and forgets it.
stop_bg() {
  local pid=$1 g
  for g in "${GRANDCHILDREN[@]}"; do
    [[ ${g%%:*} == "$pid" ]] || continue
    local gpid=${g#*:}
    if [[ $(sed 's/.*) //' "/proc/$gpid/stat" 2>/dev/null | awk '{print $2}') == "$pid" ]]; then
      kill -TERM "$gpid" 2>/dev/null || true
      for _ in $(seq 50); do
        [[ $(sed 's/.*) //' "/proc/$gpid/stat" 2>/dev/null | awk '{print $2}') == "$pid" ]] || break
        sleep 0.1
      done
    fi
  done
  if is_our_child "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      is_our_child "$pid" && kill -0 "$pid" 2>/dev/null || break
      [[ $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $1}') == Z ]] && break
      sleep 0.1
    done
    is_our_child "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget_bg "$pid"
}

# Removes PID $1 from the cleanup list (after waiting for it).
forget_bg() {
  local keep=() p
  for p in "${BG_PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  BG_PIDS=("${keep[@]}")
}

# Stops every process started with start_bg that is still running.
stop_all() {
  local pid
  for pid in "${BG_PIDS[@]}"; do stop_bg "$pid"; done
  BG_PIDS=()
}

cleanup() {
  local rc=$?
  stop_all
  if [[ -n $BENCH_TMP && -d $BENCH_TMP && ${KEEP_TMP:-0} != 1 ]]; then
    rm -rf "$BENCH_TMP"
  elif [[ -n $BENCH_TMP ]]; then
    log "kept temp files in $BENCH_TMP"
  fi
  exit "$rc"
}

bench_init() {
  BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/portico-bench.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  # The benchmark and profiling tools are not part of scripts/test's set: install them now.
  "$REPO_DIR/scripts/bootstrap" --bench >&2 || die "scripts/bootstrap --bench failed"
  NGINX_BIN=$(command -v "$NGINX_BIN" || command -v nginx || echo /usr/sbin/nginx)
  for tool in "$NGINX_BIN" wrk taskset ss curl cmake ninja; do
    command -v "$tool" >/dev/null || die "$tool not found (run scripts/bootstrap --bench)"
  done
}

# Raises the open-file limit to at least $1 (soft up to hard; hard too when root).
raise_nofile() {
  local want=$1
  local hard
  hard=$(ulimit -Hn)
  if [[ $hard != unlimited ]] && ((hard < want)); then
    ulimit -Hn "$want" 2>/dev/null || die "need $want open files, hard limit is $hard (run as root or raise it)"
  fi
  ulimit -Sn "$want" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
  (($(ulimit -Sn) >= want)) || die "could not raise the open-file limit to $want"
}

# Starts "$@" in the background (its own stdout/stderr files under $BENCH_TMP/logs), records
# its PID for cleanup and sets LAST_PID (no command substitution: that would run in a subshell).
start_bg() {
  local name=$1
  shift
  mkdir -p "$BENCH_TMP/logs"
  "$@" >"$BENCH_TMP/logs/$name.out" 2>"$BENCH_TMP/logs/$name.err" &
  local pid=$!
  BG_PIDS+=("$pid")
  LAST_PID=$pid
}


# ---- ports ----------------------------------------------------------------------------------
USED_PORTS=" "
# Sets variable $1 to a free TCP port on 127.0.0.1 in 20000..32767 (below the usual ephemeral
# range, so client sockets never take it), checked with ss and never handed out twice.
pick_port() {
  local var=$1 p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12768))
    [[ $USED_PORTS == *" $p "* ]] && continue
    if [[ -z $(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null) ]]; then
      USED_PORTS+="$p "
      printf -v "$var" '%s' "$p"
      return 0
    fi
  done
  die "no free port found"
}

# Waits until http://127.0.0.1:$1$2 answers 200 (10 s).
wait_http() {
  local port=$1 path=${2:-/}
  for _ in $(seq 100); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path" 2>/dev/null) == 200 ]]; then
      return 0
    fi
    sleep 0.1
  done
  die "nothing answers 200 on 127.0.0.1:$port$path (logs: $BENCH_TMP/logs)"
}

# ---- build ----------------------------------------------------------------------------------
# Builds ocelot_gateway and idle_client. BENCH_COMMIT=<rev> builds that commit's engine
# (exported once with git archive into build-bench-src-<sha>, so edits in the working tree do not
# leak in; the benchmarks/ directory is this one) in $BUILD_DIR-<sha>; by default the working tree
# is built in $BUILD_DIR.
SOURCE_DIR=$REPO_DIR
SOURCE_DESC=""
SOURCE_SHA=""
prepare_source() {
  if [[ -n ${BENCH_COMMIT:-} ]]; then
    local sha
    sha=$(git -C "$REPO_DIR" rev-parse --verify "$BENCH_COMMIT^{commit}") || die "unknown commit $BENCH_COMMIT"
    # A fixed place per commit (next to the build dirs, git-ignored), so CMake's cache and ccache
    # stay valid between runs; a commit's content never changes, so it is exported once.
    SOURCE_DIR=$REPO_DIR/build-bench-src-${sha:0:12}
    if [[ ! -f $SOURCE_DIR/.exported ]]; then
      rm -rf "$SOURCE_DIR"
      mkdir -p "$SOURCE_DIR"
      git -C "$REPO_DIR" archive "$sha" | tar -x -C "$SOURCE_DIR"
      touch "$SOURCE_DIR/.exported"
    fi
    # The engine is the commit's; the harness (benchmarks/) is this one, so old commits can be
    # measured with today's tools.
    mkdir -p "$SOURCE_DIR/benchmarks"
    local f
    for f in "$BENCH_DIR"/*; do
      cmp -s "$f" "$SOURCE_DIR/benchmarks/${f##*/}" || cp -p "$f" "$SOURCE_DIR/benchmarks/"
    done
    BUILD_DIR=${BUILD_DIR%/}-${sha:0:12}
    SOURCE_SHA=${sha:0:12}
    SOURCE_DESC="commit ${sha:0:7} (exported clean)"
  else
    local dirty=""
    git -C "$REPO_DIR" diff --quiet HEAD -- src include examples CMakeLists.txt 2>/dev/null || dirty=" + uncommitted changes"
    SOURCE_DESC="working tree at $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')$dirty"
  fi
}

build_portico() {
  prepare_source
  log "building ocelot_gateway and idle_client (Release) from $SOURCE_DESC in $BUILD_DIR"
  cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPORTICO_BUILD_TESTS=OFF \
    -DPORTICO_BUILD_BENCHMARKS=ON -DPORTICO_BUILD_EXAMPLES=ON >"$BENCH_TMP/cmake.log" 2>&1 ||
    { cat "$BENCH_TMP/cmake.log" >&2; die "cmake failed"; }
  ninja -C "$BUILD_DIR" ocelot_gateway idle_client >"$BENCH_TMP/ninja.log" 2>&1 ||
    { tail -40 "$BENCH_TMP/ninja.log" >&2; die "build failed (log above)"; }
  GATEWAY_BIN=$BUILD_DIR/examples/ocelot_gateway
  IDLE_CLIENT_BIN=$BUILD_DIR/benchmarks/idle_client
  [[ -x $GATEWAY_BIN && -x $IDLE_CLIENT_BIN ]] || die "built binaries not found in $BUILD_DIR"
}

# ---- nginx ----------------------------------------------------------------------------------
# Common head of every nginx config: its own prefix, pid, logs and temp paths under $1.
nginx_common_head() {
  local dir=$1 workers=$2 load_echo=${3:-0}
  [[ $load_echo == 1 ]] && echo "load_module $ECHO_MODULE;"
  # As root, workers would switch to 'nobody' and could not read the temp prefix.
  [[ $(id -u) == 0 ]] && echo "user root root;"
  cat <<EOF
worker_processes $workers;
worker_rlimit_nofile 65536;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 32768; multi_accept off; }
EOF
}

nginx_common_http() {
  local dir=$1
  cat <<EOF
  access_log off;
  server_tokens off;
  keepalive_timeout 300s;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
EOF
}

BODY_TEXT=""
body_text() {
  if [[ -z $BODY_TEXT ]]; then
    BODY_TEXT=$(head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x')
  fi
  printf '%s' "$BODY_TEXT"
}

# The upstream: Debian's nginx, 1 worker, answering every path with 200 and a fixed
# $BODY_BYTES-byte body (Content-Length framed); /slow/* answers the same after $SLOW_MS ms
# (echo_sleep from libnginx-mod-http-echo, then an internal redirect so the body keeps its
# Content-Length). Sets LAST_PID to the master PID.
start_upstream_nginx() {
  local port=$1 slow_ms=${2:-50} workers=${3:-1}
  local dir=$BENCH_TMP/upstream-$port
  mkdir -p "$dir/tmp"
  local echo=0
  [[ -f $ECHO_MODULE ]] && echo=1
  {
    nginx_common_head "$dir" "$workers" "$echo"
    echo "http {"
    nginx_common_http "$dir"
    echo "  default_type text/plain;"
    echo "  server {"
    echo "    listen 127.0.0.1:$port backlog=4096;"
    echo "    location / { return 200 \"$(body_text)\"; }"
    echo "    location = /__status { stub_status; }"
    if [[ $echo == 1 ]]; then
      echo "    location /slow/ { echo_sleep $(awk -v ms="$slow_ms" 'BEGIN{printf "%.3f", ms/1000}'); echo_exec /after-sleep; }"
      echo "    location = /after-sleep { internal; return 200 \"$(body_text)\"; }"
    fi
    echo "  }"
    echo "}"
  } >"$dir/nginx.conf"
  start_bg "upstream-$port" taskset -c "$UPSTREAM_CPUS" "$NGINX_BIN" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
}

# nginx as a reverse proxy on $1 to 127.0.0.1:$2 with $THREADS workers and an upstream
# keep-alive pool (keepalive 1024 idle connections per worker, HTTP/1.1, Connection cleared),
# adding the same forwarding headers Portico adds. Sets LAST_PID to the master PID.
start_nginx_proxy() {
  local port=$1 upstream_port=$2
  local dir=$BENCH_TMP/nginx-proxy-$port
  write_nginx_proxy_config "$dir" "$port" "$upstream_port" "$THREADS"
  start_bg "nginx-proxy-$port" taskset -c "$PROXY_CPUS" "$NGINX_BIN" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
}

# Writes $1/nginx.conf for start_nginx_proxy: listen on $2, upstream 127.0.0.1:$3, $4 workers.
write_nginx_proxy_config() {
  local dir=$1 port=$2 upstream_port=$3 workers=$4
  mkdir -p "$dir/tmp"
  {
    nginx_common_head "$dir" "$workers" 0
    cat <<EOF
http {
$(nginx_common_http "$dir")
  upstream backend {
    server 127.0.0.1:$upstream_port;
    keepalive 1024;
    keepalive_requests 10000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$proxy_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_set_header X-Forwarded-Port \$server_port;
      proxy_set_header Forwarded "for=\$remote_addr;host=\$http_host;proto=\$scheme";
      proxy_set_header Via "1.1 nginx";
      proxy_set_header X-Request-Id \$request_id;
      proxy_connect_timeout 5s;
      proxy_read_timeout 30s;
    }
  }
}
EOF
  } >"$dir/nginx.conf"
}

# Portico (examples/ocelot_gateway) on $1 proxying every path to 127.0.0.1:$2 with $THREADS
# loops. MaxConnections is raised for the 10,000-connection test and ForwardClientHost sends the same
# X-Forwarded-Host/Forwarded host= as the nginx config; everything else (the pool included) is default.
write_portico_config() {
  local file=$1 upstream_port=$2
  cat >"$file" <<EOF
{
  "Routes": [
    {
      "DownstreamPathTemplate": "/{everything}",
      "DownstreamScheme": "http",
      "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": $upstream_port } ],
      "UpstreamPathTemplate": "/{everything}",
      "UpstreamHttpMethod": [ "Get" ]
    }
  ],
  "GlobalConfiguration": {
    "ServerOptions": { "MaxConnections": 100000, "KeepAliveIdleTimeoutMs": 300000, "ForwardClientHost": true }
  }
}
EOF
}

start_portico() {
  local port=$1 upstream_port=$2
  local cfg=$BENCH_TMP/ocelot-$port.json
  write_portico_config "$cfg" "$upstream_port"
  start_bg "portico-$port" taskset -c "$PROXY_CPUS" "$GATEWAY_BIN" --config "$cfg" --listen "127.0.0.1:$port" \
    --threads "$THREADS"
}

# Connections the upstream nginx has accepted so far (stub_status "accepts"; each call adds 1).
upstream_accepts() {
  curl -s "http://127.0.0.1:$1/__status" | awk 'NR == 3 {print $1}'
}

# ---- measurement helpers --------------------------------------------------------------------
# PIDs of a process and its direct children (nginx master + workers).
pid_tree() {
  local pid=$1
  echo "$pid"
  pgrep -P "$pid" 2>/dev/null || true
}

# Total user+system CPU ticks of the given PIDs (all threads).
cpu_ticks() {
  local total=0 pid f
  for pid in "$@"; do
    f=/proc/$pid/stat
    [[ -r $f ]] || continue
    # fields 14 (utime) and 15 (stime), after the ")" that ends the command name
    total=$((total + $(sed 's/.*) //' "$f" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

# Busy CPU ticks of the whole machine (user nice system irq softirq steal).
machine_busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# Sum of VmRSS (KiB) over the given PIDs.
rss_kib() {
  local total=0 pid v
  for pid in "$@"; do
    v=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# wrk latency value ("812.00us", "1.23ms", "2.00s") → milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN{
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    printf "%.3f", n }'
}

# Parses a wrk --latency output file into "rps p50_ms p99_ms non2xx sockerr requests".
parse_wrk() {
  local f=$1
  local rps p50 p99 non2xx sockerr reqs
  rps=$(awk '/^Requests\/sec:/{print $2}' "$f")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$f")
  sockerr=$(awk '/Socket errors:/{gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$f")
  reqs=$(awk '/requests in/{print $1}' "$f")
  echo "${rps:-0} ${p50:-0} ${p99:-0} ${non2xx:-0} ${sockerr:-0} ${reqs:-0}"
}

# Runs wrk against http://127.0.0.1:$port$path with $conns connections for $secs seconds,
# pinned to $WRK_CPUS; output to file $out. Prints the command line to stderr.
run_wrk() {
  local port=$1 path=$2 conns=$3 secs=$4 out=$5 timeout=${6:-5s}
  local threads=$WRK_THREADS
  ((threads > conns)) && threads=$conns
  local cmd=(taskset -c "$WRK_CPUS" wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout "$timeout" --latency
    "http://127.0.0.1:$port$path")
  echo "${cmd[*]}" >"$out.cmd"
  "${cmd[@]}" >"$out" 2>&1 || true
}

# Median of numbers on stdin.
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

machine_description() {
  local model mem
  model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
  mem=$(awk '/^MemTotal:/{printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  echo "$(nproc) CPU ($model), $mem RAM, $(uname -sr), $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "nginx $("$NGINX_BIN" -v 2>&1 | sed 's/.*nginx\///'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'), g++ $(g++ -dumpfullversion 2>/dev/null)"
}

placement_description() {
  echo "placement (taskset -c): upstream nginx on CPU $UPSTREAM_CPUS, wrk (-t$WRK_THREADS) on CPU $WRK_CPUS, proxy under test on CPU $PROXY_CPUS"
  case $PLACEMENT in
    small) echo "  only $NCPU CPUs: the proxy's $THREADS loops/workers share CPU $PROXY_CPUS; wrk and the upstream share CPU $UPSTREAM_CPUS" ;;
    single) echo "  one CPU: everything shares it; absolute numbers mean little, compare cpu_us/req" ;;
    custom) echo "  (set by UPSTREAM_CPUS/WRK_CPUS/PROXY_CPUS)" ;;
  esac
}

# Sets variable $1 to the CPU time (ticks of 10 ms) used by this shell's waited-for children
# (wrk runs in the foreground). `times` must run in this shell, not in a pipe's subshell.
children_ticks() {
  times >"$BENCH_TMP/times"
  printf -v "$1" '%s' "$(awk 'NR == 2 {
    split($1, u, /[ms]/); split($2, s, /[ms]/);
    printf "%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 100 }' "$BENCH_TMP/times")"
}

# ---- measurement and summary (benchmarks/run, benchmarks/slow_upstream) ----
# One measurement of TARGET (upstream|portico|nginx) at CONNS connections on PATH: a warm-up,
# then DURATION seconds of wrk; appends a line to $RAW and prints it. Uses UP_PORT/UP_PID,
# PORTICO_PORT/PORTICO_PID, NGINX_PORT/NGINX_PID, WARMUP, DURATION, RAW.
measure() {
  local round=$1 conns=$2 target=$3 path=$4 port pids
  case $target in
    upstream) port=$UP_PORT; mapfile -t pids < <(pid_tree "$UP_PID") ;;
    portico) port=$PORTICO_PORT; pids=("$PORTICO_PID") ;;
    nginx) port=$NGINX_PORT; mapfile -t pids < <(pid_tree "$NGINX_PID") ;;
  esac
  local out=$BENCH_TMP/wrk-$round-$conns-$target.txt
  run_wrk "$port" "$path" "$conns" "$WARMUP" "$out.warmup"
  local mine0 up0 busy0 kids0 mine1 up1 busy1 kids1 upids
  mapfile -t upids < <(pid_tree "$UP_PID")
  mine0=$(cpu_ticks "${pids[@]}")
  up0=$(cpu_ticks "${upids[@]}")
  busy0=$(machine_busy_ticks)
  children_ticks kids0
  local acc0 acc1
  acc0=$(upstream_accepts "$UP_PORT")
  run_wrk "$port" "$path" "$conns" "$DURATION" "$out"
  acc1=$(upstream_accepts "$UP_PORT")
  children_ticks kids1
  busy1=$(machine_busy_ticks)
  mine1=$(cpu_ticks "${pids[@]}")
  up1=$(cpu_ticks "${upids[@]}")
  local rps p50 p99 non2xx sockerr reqs detail
  read -r rps p50 p99 non2xx sockerr reqs < <(parse_wrk "$out")
  detail=$(awk '/Socket errors:/{sub(/^ */, ""); print}' "$out")
  local own=$((mine1 - mine0)) up=$((up1 - up0)) wrk=$((kids1 - kids0)) busy=$((busy1 - busy0))
  [[ $target == upstream ]] && up=0
  local other=$((busy - own - up - wrk))
  ((other < 0)) && other=0
  local cpu_us other_pct
  cpu_us=$(awk -v t="$own" -v n="$reqs" 'BEGIN{printf "%.1f", (n > 0 ? t * 10000 / n : 0)}')
  other_pct=$(awk -v o="$other" -v d="$DURATION" -v c="$NCPU" 'BEGIN{printf "%.0f", o / (d * 100 * c) * 100}')
  local opened=$((acc1 - acc0 - 1))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$conns" "$target" "$rps" "$p50" "$p99" "$non2xx" \
    "$sockerr" "$cpu_us" "$other_pct" "$opened" >>"$RAW"
  printf '  round %s  %4s conns  %-8s %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  non-2xx %s  sock-err %s  cpu %5s us/req  other load %2s%%  upstream conns opened %s%s\n' \
    "$round" "$conns" "$target" "$rps" "$p50" "$p99" "$non2xx" "$sockerr" "$cpu_us" "$other_pct" "$opened" \
    "${detail:+  ($detail)}"
}

# Prints the median table and the Portico/nginx ratios for CONNS from $RAW.
summarize() {
  local conns=$1
  col() { awk -F'\t' -v c="$1" -v t="$2" -v k="$3" '$2 == c && $3 == t {print $k}' "$RAW" | median; }
  sum() { awk -F'\t' -v c="$1" -v t="$2" -v k="$3" '$2 == c && $3 == t {s += $k} END {print s + 0}' "$RAW"; }
  echo "== $conns keep-alive connections on ${SUMMARY_PATH:-/bench} (median of $ROUNDS round(s), ${DURATION} s each) =="
  printf '%-10s %10s %9s %9s %8s %9s %11s %11s %15s\n' target req/s p50_ms p99_ms non-2xx sock-err cpu_us/req other_load% upstream_conns
  local t
  for t in upstream portico nginx; do
    printf '%-10s %10.0f %9.3f %9.3f %8s %9s %11s %11s %15s\n' "$t" "$(col "$conns" "$t" 4)" "$(col "$conns" "$t" 5)" \
      "$(col "$conns" "$t" 6)" "$(sum "$conns" "$t" 7)" "$(sum "$conns" "$t" 8)" "$(col "$conns" "$t" 9)" \
      "$(col "$conns" "$t" 10)" "$(col "$conns" "$t" 11)"
  done
  awk -v pr="$(col "$conns" portico 4)" -v nr="$(col "$conns" nginx 4)" -v pp="$(col "$conns" portico 6)" \
    -v np="$(col "$conns" nginx 6)" -v pc="$(col "$conns" portico 9)" -v nc="$(col "$conns" nginx 9)" \
    -v p5="$(col "$conns" portico 5)" -v n5="$(col "$conns" nginx 5)" 'BEGIN{
      printf "Portico/nginx: throughput %.2fx (higher is better); p99 %.2fx, p50 %.2fx, cpu/req %.2fx (lower is better)\n",
        (nr > 0 ? pr / nr : 0), (np > 0 ? pp / np : 0), (n5 > 0 ? p5 / n5 : 0), (nc > 0 ? pc / nc : 0) }'
  printf 'per-round Portico/nginx throughput:'
  local r
  for ((r = 1; r <= ROUNDS; r++)); do
    awk -F'\t' -v c="$conns" -v r="$r" '$1 == r && $2 == c && $3 == "portico" {p = $4} $1 == r && $2 == c && $3 == "nginx" {n = $4}
      END {printf " %.2f", (n > 0 ? p / n : 0)}' "$RAW"
  done
  echo
  echo
}
