// A file-system error in words, its code once: "ENOENT (no such file or directory)", not "ENOENT ENOENT: no such ...".

/** "CODE (what it means)" for a Node fs error; the message alone for anything else. The caller names the file. */
export function fsErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const message = e instanceof Error ? e.message : String(err);
  if (typeof e?.code !== 'string') return message;
  // Node's own form is "CODE: description, syscall 'path'": keep the description.
  const m = /^([A-Z0-9_]+): (.*?)(?:, [a-z_0-9]+(?: '.*')?)?$/s.exec(message);
  const description = m && m[1] === e.code ? m[2]! : message;
  return description === e.code ? e.code : `${e.code} (${description})`;
}
