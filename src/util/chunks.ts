// Reading a large text file in pieces, so a multi-gigabyte trace log never has to fit in memory at once.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Default chunk size. Kept well below V8's large-object threshold (128 KiB, which a 64 KiB chunk of non-Latin-1 text
 * would already reach as a two-byte string): a large string that is alive at a young-generation GC moves to the
 * large-object space and is freed only by a full GC, so with 1 MiB chunks a long log piles up chunk after chunk there
 * and peak memory grows with the log. Small chunks are ordinary young objects and die young.
 */
const CHUNK_BYTES = 32 << 10;

/** The file's text as UTF-8 chunks of about `size` bytes (a character split across chunks is kept whole). */
export function* fileChunks(file: string, size = CHUNK_BYTES): Generator<string> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(size);
  const decoder = new StringDecoder('utf8');
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, size, null);
      if (n === 0) break;
      const text = decoder.write(buf.subarray(0, n));
      if (text) yield text;
    }
    const rest = decoder.end();
    if (rest) yield rest;
  } finally {
    fs.closeSync(fd);
  }
}
