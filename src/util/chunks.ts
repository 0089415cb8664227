// Reading a large text file in pieces, so a multi-gigabyte trace log never has to fit in memory at once.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** The file's text as UTF-8 chunks of about `size` bytes (a character split across chunks is kept whole). */
export function* fileChunks(file: string, size = 1 << 20): Generator<string> {
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
