// Reading a string one code unit at a time, for the strace parsers' hot loops.

/**
 * The UTF-16 code unit at `i`, or -1 at or past `end` (by default the end of the string, where charCodeAt gives NaN).
 * V8 compiles charCodeAt for in-bounds reads: a hot function that reads past the end is deoptimized, and one with many
 * such reads is deoptimized again and again as each read site meets its first out-of-bounds index, so a parser that
 * peeks past the end of a line runs mostly unoptimized. Every comparison with a character code gives the same answer
 * for -1 as for NaN.
 */
export function codeAt(s: string, i: number, end = s.length): number {
  return i < end ? s.charCodeAt(i) : -1;
}
