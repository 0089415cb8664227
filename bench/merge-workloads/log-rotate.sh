#!/bin/sh
# Writes a log, rotates and compresses it, removes the oldest.
dir=$(mktemp -d /tmp/logs-XXXXXX)
for i in $(seq 1 50); do echo "$(date) request $i" >> "$dir/app.log"; done
mv "$dir/app.log" "$dir/app.log.1"
busybox gzip "$dir/app.log.1"
touch "$dir/app.log"
ls -l "$dir" > /dev/null
rm -rf "$dir"
