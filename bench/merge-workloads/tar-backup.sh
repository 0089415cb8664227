#!/bin/sh
# Archives a data directory, lists the archive and extracts it elsewhere.
src=$(mktemp -d /tmp/data-XXXXXX)
dst=$(mktemp -d /tmp/restore-XXXXXX)
for i in 1 2 3 4 5; do seq 1 200 > "$src/part-$i.txt"; done
busybox tar czf "$src.tar.gz" -C "$src" .
busybox tar tzf "$src.tar.gz" > /dev/null
busybox tar xzf "$src.tar.gz" -C "$dst"
rm -rf "$src" "$dst" "$src.tar.gz"
