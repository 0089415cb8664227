// Writing one bench's section of bench/RESULTS.md: the section whose heading starts with `heading` is replaced by
// `md` (or appended when there is none yet), the other sections are left as they are.
import fs from 'node:fs';
import path from 'node:path';

/** Replace (or append) the `## heading...` section of bench/RESULTS.md under `root` with `md`. */
export function writeResultsSection(root, heading, md) {
  const file = path.join(root, 'bench', 'RESULTS.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# tracewall benchmark results\n';
  const at = text.indexOf(`\n## ${heading}`);
  const end = at < 0 ? -1 : text.indexOf('\n## ', at + 1);
  const next = at < 0 ? `${text.trimEnd()}\n\n${md}` : `${text.slice(0, at)}\n${md}${end < 0 ? '' : text.slice(end)}`;
  fs.writeFileSync(file, next.endsWith('\n') ? next : next + '\n');
}
