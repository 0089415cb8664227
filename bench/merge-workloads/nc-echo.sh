#!/bin/sh
# A TCP listener and a client sending it a line (busybox nc).
out=$(mktemp /tmp/echo-XXXXXX)
busybox nc -l -p 18082 > "$out" &
pid=$!
sleep 0.3
echo "ping $(hostname)" | busybox nc 127.0.0.1 18082
wait $pid
cat "$out" > /dev/null
rm -f "$out"
