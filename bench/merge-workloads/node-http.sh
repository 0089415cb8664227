#!/bin/sh
# A Node.js HTTP server answering its own request.
exec node -e '
const http = require("http");
const fs = require("fs");
const s = http.createServer((q, r) => r.end(fs.readFileSync("/etc/hostname")));
s.listen(18083, "127.0.0.1", () =>
  http.get("http://127.0.0.1:18083/", (r) => { r.resume(); r.on("end", () => s.close()); }));
'
