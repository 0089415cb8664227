// Preloaded into the measured `tracewall merge` (node --import) by bench/merge-scale.mjs: at exit, writes the
// process's own resource usage (peak RSS, CPU time) as JSON to the file named by TRACEWALL_BENCH_USAGE.
import fs from 'node:fs';

const file = process.env.TRACEWALL_BENCH_USAGE;
if (file) process.on('exit', () => fs.writeFileSync(file, JSON.stringify(process.resourceUsage())));
