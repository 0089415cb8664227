// The security-profiles-operator API versions tracewall writes, apart from the renderers so that --help can list them.

/** What `--spo-api-version` accepts, newest first: v1 (the operator's newest API), v1beta1 (the releases before it). */
export const SPO_API_VERSIONS = ['v1', 'v1beta1'] as const;
/** One of SPO_API_VERSIONS. */
export type SpoApiVersion = (typeof SPO_API_VERSIONS)[number];
