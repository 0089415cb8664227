// Text from the compared files (paths, names) is chosen by whoever wrote them: before it reaches a terminal or a
// pull-request comment, control characters and bidirectional overrides become visible escapes.

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** One line of inert text: unsafe characters as \xNN or \u{NNNN}. */
export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const cp = c.codePointAt(0)!;
    return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
  });
}
