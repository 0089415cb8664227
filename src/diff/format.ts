// Choosing an output format by name.
import { formatJson } from './format-json.js';
import { formatMarkdown } from './format-markdown.js';
import { formatText } from './format-text.js';
import type { DiffReport } from './types.js';
import type { DiffFormat } from './formats.js';

/** The format names live in formats.ts (the command line lists them without loading the formatters). */
export { DIFF_FORMATS, type DiffFormat } from './formats.js';

/** The report in `format`; colour applies to text only. */
export function formatReport(report: DiffReport, format: DiffFormat, opts: { color?: boolean } = {}): string {
  switch (format) {
    case 'text':
      return formatText(report, opts);
    case 'markdown':
      return formatMarkdown(report);
    case 'json':
      return formatJson(report);
  }
}
