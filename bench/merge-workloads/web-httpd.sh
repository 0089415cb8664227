#!/bin/sh
# A static web server answering two requests (busybox httpd and wget).
d=$(mktemp -d /tmp/web-XXXXXX)
echo '<h1>hello</h1>' > "$d/index.html"
echo 'ok' > "$d/healthz"
busybox httpd -f -p 127.0.0.1:18081 -h "$d" &
pid=$!
sleep 0.3
busybox wget -q -O - http://127.0.0.1:18081/index.html >/dev/null
busybox wget -q -O - http://127.0.0.1:18081/healthz >/dev/null
kill $pid; wait
rm -rf "$d"
