// Recordings of two code paths of one program, built in code, for the merge, coverage and check tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Recording } from '../../src/recording/types.js';
import { serializeRecording } from '../../src/recording/io.js';
import { makeRecording } from './render-helpers.js';

/** The serving path: a TCP socket on port 80 (CAP_NET_BIND_SERVICE), reads the document root. */
export function servePath(name = 'serve'): Recording {
  return makeRecording({
    name,
    target: { kind: 'command', argv: ['/usr/bin/app', 'serve'], cwd: '/srv' },
    startedAt: '2024-05-02T10:00:00.000Z',
    endedAt: '2024-05-02T10:00:05.000Z',
    syscalls: {
      x86_64: {
        read: { count: 10, failed: 0 },
        openat: { count: 4, failed: 1 },
        socket: { count: 1, failed: 0, args: { domain: ['AF_INET'], type: ['SOCK_STREAM'] } },
        bind: { count: 1, failed: 0 },
        accept4: { count: 3, failed: 0 },
        rt_sigsuspend: { count: 1, failed: 0 },
      },
    },
    files: { '/etc/hosts': { access: ['read'] }, '/srv/www/index.html': { access: ['read'] } },
    executables: [{ path: '/usr/bin/app', argv0: 'app', parent: '' }],
    network: {
      sockets: [{ family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_TCP' }],
      bind: [{ family: 'AF_INET', address: '0.0.0.0', port: 80 }],
      connect: [],
      listen: [{ family: 'AF_INET', address: '0.0.0.0', port: 80 }],
    },
    identity: {
      uids: [0],
      gids: [0],
      changes: [],
      capabilities: [{ name: 'CAP_NET_BIND_SERVICE', reasons: ['bind(80)'] }],
    },
  });
}

/** The batch path: writes a report, makes a directory, a 32-bit helper, connects to a unix socket; warned about lost events. */
export function batchPath(name = 'batch'): Recording {
  return makeRecording({
    name,
    target: { kind: 'command', argv: ['/usr/bin/app', 'batch'], cwd: '/srv' },
    startedAt: '2024-05-02T11:00:00.000Z',
    endedAt: '2024-05-02T11:00:09.000Z',
    warnings: ['lost 3 events'],
    syscalls: {
      x86_64: {
        read: { count: 5, failed: 0 },
        openat: { count: 6, failed: 0 },
        write: { count: 7, failed: 0 },
        mkdir: { count: 1, failed: 0 },
        socket: { count: 1, failed: 0, args: { domain: ['AF_UNIX'] } },
        connect: { count: 1, failed: 0 },
      },
      i386: { socketcall: { count: 2, failed: 0 } },
    },
    files: {
      '/etc/hosts': { access: ['read', 'lock'] },
      '/srv/out/report.csv': { access: ['create', 'write'] },
      '/srv/out': { access: ['create'] },
    },
    executables: [{ path: '/usr/bin/app', argv0: 'app', parent: '' }],
    network: {
      sockets: [{ family: 'AF_UNIX', type: 'SOCK_STREAM', protocol: '0' }],
      bind: [],
      connect: [{ family: 'AF_UNIX', address: '/run/db.sock', port: 0 }],
      listen: [],
    },
    identity: { uids: [1000], gids: [1000], changes: [], capabilities: [] },
  });
}

/** A third run that only reads: a subset of the serving path. */
export function healthPath(name = 'health'): Recording {
  return makeRecording({
    name,
    startedAt: '2024-05-02T09:00:00.000Z',
    endedAt: '2024-05-02T09:00:01.000Z',
    syscalls: { x86_64: { read: { count: 2, failed: 0 }, openat: { count: 1, failed: 0 } } },
    files: { '/etc/hosts': { access: ['read'] } },
  });
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'tracewall-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Write a recording into `dir` as NAME.json (or `file`); returns the path. */
export function writeRec(dir: string, r: Recording, file = `${r.name}.json`): string {
  const p = path.join(dir, file);
  fs.writeFileSync(p, serializeRecording(r));
  return p;
}

/** Capture what a verb writes. */
export function capture(): {
  out: () => string;
  err: () => string;
  io: { stdout: (t: string) => void; stderr: (t: string) => void };
} {
  let out = '';
  let err = '';
  return { out: () => out, err: () => err, io: { stdout: (t) => (out += t), stderr: (t) => (err += t) } };
}
