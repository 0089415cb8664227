// The names of reach's report formats, apart from the formatters, so that the command line can list them without
// loading them.

/** The formats `reach --format` accepts. */
export const REACH_FORMATS = ['text', 'markdown', 'json'] as const;
/** One of REACH_FORMATS. */
export type ReachFormat = (typeof REACH_FORMATS)[number];
