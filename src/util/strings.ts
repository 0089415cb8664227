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

/** A path or pattern quoted for a message: JSON escapes, plus \u escapes for invisible and bidi characters a terminal would hide. */
export function quoteForMessage(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// Text chosen by a workload or by a file's author (paths, names) becomes inert before it reaches a terminal or a
// pull-request comment: control characters and bidirectional overrides as visible escapes.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** One line of inert text: unsafe characters as \xNN or \u{NNNN}. */
export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const cp = c.codePointAt(0)!;
    return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
  });
}
