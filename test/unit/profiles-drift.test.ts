// The project checks its own drift: profiles/ must be exactly what `generate` makes from the recordings in examples/.
// After an intended renderer change: for f in examples/*.recording.json; do bin/tracewall generate -o profiles "$f"; done
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/cli/check.js';
import { fromRoot } from '../../src/util/paths.js';

const examples = fs
  .readdirSync(fromRoot('examples'))
  .filter((f) => f.endsWith('.recording.json'))
  .sort();

describe('committed example profiles', () => {
  it('there are example recordings', () => {
    expect(examples).toEqual(['busybox-web.recording.json', 'nginx.recording.json']);
  });

  for (const file of examples) {
    const name = file.replace(/\.recording\.json$/, '');
    it(`profiles/${name}.* match a fresh generate from examples/${file}`, async () => {
      let out = '';
      const code = await checkCommand(
        [path.join(fromRoot('examples'), file)],
        {
          profiles: fromRoot('profiles'),
          name,
          format: 'docker',
          defaultAction: 'errno',
          report: 'text',
          color: false,
        },
        {
          stdout: (t) => {
            out += t;
          },
          stderr: () => {},
        },
      );
      expect(code, `${out}\nregenerate with: bin/tracewall generate -o profiles examples/${file}`).toBe(0);
    });
  }
});
