// The three report formats of `reach`, and the JSON one (versioned, sorted keys: same input, same bytes).
import { stableJson } from '../util/json.js';
import { formatReachMarkdown } from './format-markdown.js';
import { formatReachText } from './format-text.js';
import type { ReachReport } from './types.js';

import { REACH_FORMATS, type ReachFormat } from './formats.js';

export { REACH_FORMATS, type ReachFormat };

/** Version of the JSON report; bumped when a field changes meaning. */
export const REACH_JSON_VERSION = 1;

/** The report in one format. */
export function formatReach(report: ReachReport, format: ReachFormat): string {
  if (format === 'text') return formatReachText(report);
  if (format === 'markdown') return formatReachMarkdown(report);
  return stableJson({ format: 'tracewall-reach', formatVersion: REACH_JSON_VERSION, ...report });
}
