// Strings kept for a whole run, detached from the text they were cut from.

/**
 * An equal string that shares no memory with the one it was cut from. V8 represents a slice of a long string as a
 * pointer into it, which keeps the whole parent alive: a path cut from a 32 KiB chunk of a log and kept until the end
 * (a fact, a warning, a mapping) would keep that chunk too, and a log with new paths all along would be kept almost
 * whole. A JSON round trip gives back an equal, freshly allocated flat string for every string (lone surrogates
 * included); it is only used for the first sighting of a value that is kept.
 */
export function detached(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
