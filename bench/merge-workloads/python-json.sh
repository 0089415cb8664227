#!/bin/sh
# A Python job reading JSON input and writing a report.
d=$(mktemp -d /tmp/job-XXXXXX)
echo '{"items": [1, 2, 3]}' > "$d/in.json"
/usr/bin/python3 -S -c '
import json, sys, os
d = sys.argv[1]
data = json.load(open(os.path.join(d, "in.json")))
with open(os.path.join(d, "report.json"), "w") as f:
    json.dump({"sum": sum(data["items"]), "pid": os.getpid()}, f)
' "$d"
rm -rf "$d"
