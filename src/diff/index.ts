// The diff API: compare two policy files of one family and render the risk-rated report. Each export is documented where it is defined.
export { diffTexts, diffParsed } from './diff.js';
export { familyOf, parsePolicy, requireSameFamily, KIND_NAMES, type ParsedPolicy } from './input.js';
export { buildReport, compareFindings, failingFindings } from './report.js';
export { formatReport, DIFF_FORMATS, type DiffFormat } from './format.js';
export { formatText } from './format-text.js';
export { formatMarkdown } from './format-markdown.js';
export { formatJson, DIFF_JSON_VERSION } from './format-json.js';
export { summaryLine } from './summary.js';
export { riskCatalogueMarkdown } from './catalogue-doc.js';
export {
  DIFF_RISKS,
  type DiffFinding,
  type DiffReport,
  type DiffRisk,
  type Change,
  type FindingKind,
  type PolicyFamily,
} from './types.js';
