// The names of the report formats, apart from the formatters, so that the command line can list them without loading them.

/** The output formats of `tracewall diff --format` and `check --report`. */
export const DIFF_FORMATS = ['text', 'markdown', 'json'] as const;
/** One of DIFF_FORMATS. */
export type DiffFormat = (typeof DIFF_FORMATS)[number];
