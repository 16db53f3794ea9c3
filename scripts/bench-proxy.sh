#!/usr/bin/env bash
# Benchmarks fault-proxy (no toxics) against a direct connection, haproxy and socat, all in front of the same
# private redis-server, with redis-benchmark GET at 50 clients and at 1 client, interleaved over several rounds.
# Prints median throughput and p50 per target, with ratios to haproxy (the goal: fault-proxy >= 0.9 x haproxy's
# throughput, and no more p50 latency than haproxy at one client).
#
# Usage: scripts/bench-proxy.sh            (env: ROUNDS=3 N50=200000 N1=100000 SKIP_BUILD=1)
set -euo pipefail

ROUNDS=${ROUNDS:-3}
N50=${N50:-200000}
N1=${N1:-100000}
cd "$(dirname "$0")/.."

for tool in redis-server redis-benchmark redis-cli curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-proxy: $tool is required" >&2; exit 1; }
done

if [[ -z "${SKIP_BUILD:-}" ]]; then
    echo "building fault-proxy (release)…" >&2
    swift build -c release --product fault-proxy >&2
fi
FAULT_PROXY="$(swift build -c release --show-bin-path)/fault-proxy"
[[ -x "$FAULT_PROXY" ]] || { echo "bench-proxy: $FAULT_PROXY not built" >&2; exit 1; }

WORK=$(mktemp -d -t bench-proxy.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
    for _ in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "bench-proxy: nothing listens on port $1; logs:" >&2
    tail -n 5 "$WORK"/*.log >&2 || true
    return 1
}

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" --save '' --appendonly no \
    --daemonize no --logfile "$WORK/redis.log" --tcp-backlog 511 &
PIDS+=($!)
wait_port "$REDIS_PORT"
redis-cli -p "$REDIS_PORT" set key:__rand_int__ x >/dev/null

declare -A TARGETS=([direct]=$REDIS_PORT)
ORDER=(direct)

API_PORT=$(free_port)
PROXY_PORT=$(free_port)
"$FAULT_PROXY" --port "$API_PORT" --log-level warning 2>"$WORK/fault-proxy.log" &
PIDS+=($!)
wait_port "$API_PORT"
curl -sf -XPOST "127.0.0.1:$API_PORT/proxies" \
    -d "{\"name\":\"redis\",\"listen\":\"127.0.0.1:$PROXY_PORT\",\"upstream\":\"127.0.0.1:$REDIS_PORT\"}" >/dev/null
wait_port "$PROXY_PORT"
TARGETS[fault-proxy]=$PROXY_PORT
ORDER+=(fault-proxy)

if command -v haproxy >/dev/null; then
    HAPROXY_PORT=$(free_port)
    cat >"$WORK/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode tcp
    timeout connect 5s
    timeout client 1m
    timeout server 1m
    maxconn 4096
listen redis
    bind 127.0.0.1:$HAPROXY_PORT
    server redis 127.0.0.1:$REDIS_PORT
CFG
    haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
    PIDS+=($!)
    wait_port "$HAPROXY_PORT"
    TARGETS[haproxy]=$HAPROXY_PORT
    ORDER+=(haproxy)
fi

if command -v socat >/dev/null; then
    SOCAT_PORT=$(free_port)
    socat "TCP-LISTEN:$SOCAT_PORT,bind=127.0.0.1,fork,reuseaddr,nodelay,backlog=1024" \
        "TCP:127.0.0.1:$REDIS_PORT,nodelay" &
    PIDS+=($!)
    wait_port "$SOCAT_PORT"
    TARGETS[socat]=$SOCAT_PORT
    ORDER+=(socat)
fi

# One run: prints "<requests per second> <p50 ms>".
run_once() {
    local port=$1 clients=$2 requests=$3
    redis-benchmark -p "$port" -t get -c "$clients" -n "$requests" -q 2>/dev/null | tr '\r' '\n' |
        awk '/requests per second/ { rps=$2; for (i=1;i<=NF;i++) if ($i ~ /^p50=/) { sub("p50=","",$i); p50=$i } }
             END { print rps, p50 }'
}

median() { sort -g | awk '{ v[NR]=$1 } END { if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'; }

declare -A RPS P50
for round in $(seq 1 "$ROUNDS"); do
    for clients in 50 1; do
        requests=$N50; [[ $clients == 1 ]] && requests=$N1
        for name in "${ORDER[@]}"; do
            read -r rps p50 < <(run_once "${TARGETS[$name]}" "$clients" "$requests")
            RPS[$name,$clients]+="$rps "
            P50[$name,$clients]+="$p50 "
            printf 'round %d  c=%-2d  %-12s %10s req/s  p50 %s ms\n' "$round" "$clients" "$name" "$rps" "$p50" >&2
        done
    done
done

echo
echo "redis-benchmark -t get, median of $ROUNDS interleaved rounds (-n $N50 at c=50, -n $N1 at c=1)"
printf '%-12s | %12s %9s %9s %8s | %12s %9s %9s %8s\n' target "c=50 req/s" "x haproxy" "p50 ms" "x hap" \
    "c=1 req/s" "x haproxy" "p50 ms" "x hap"
for name in "${ORDER[@]}"; do
    line=$(printf '%-12s |' "$name")
    for clients in 50 1; do
        rps=$(tr ' ' '\n' <<<"${RPS[$name,$clients]}" | grep . | median)
        p50=$(tr ' ' '\n' <<<"${P50[$name,$clients]}" | grep . | median)
        if [[ -n "${TARGETS[haproxy]:-}" ]]; then
            hrps=$(tr ' ' '\n' <<<"${RPS[haproxy,$clients]}" | grep . | median)
            hp50=$(tr ' ' '\n' <<<"${P50[haproxy,$clients]}" | grep . | median)
            ratio=$(awk -v a="$rps" -v b="$hrps" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }')
            pratio=$(awk -v a="$p50" -v b="$hp50" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }')
        else
            ratio=-; pratio=-
        fi
        line+=$(printf ' %12.0f %9s %9s %8s |' "$rps" "$ratio" "$p50" "$pratio")
    done
    echo "$line"
done
