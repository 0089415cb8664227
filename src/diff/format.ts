// Choosing an output format by name.
import { formatJson } from './format-json.js';
import { formatMarkdown } from './format-markdown.js';
import { formatText } from './format-text.js';
import type { DiffReport } from './types.js';

/** The output formats of `tracewall diff --format`. */
export const DIFF_FORMATS = ['text', 'markdown', 'json'] as const;
/** One of DIFF_FORMATS. */
export type DiffFormat = (typeof DIFF_FORMATS)[number];

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
