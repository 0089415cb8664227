// The agent's end-to-end setup, shared by its e2e tests: a private containerd, `tracewall agent` on it, pods made as
// the kubelet would, and the tracer processes the agent left.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { makeTemp, rmTemp } from './bundles.js';
import { startCli, type CliProcess } from './cli-process.js';
import {
  leftovers,
  runContainer,
  runPod,
  startContainerd,
  importImages,
  type PrivateContainerd,
  type TestPod,
} from './containerd.js';
import { EBPF_LOADER } from '../../src/trace/ebpf.js';
import { readRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { BPFTRACE_PROGRAM } from '../../src/trace/bpftrace.js';

/** Processes of a tracer the agent (pid `agent`) started: bpftrace on tracewall's program, or the ebpf loader. */
export function tracersOf(agent: number): string[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const ours = argv.includes(BPFTRACE_PROGRAM) || argv[0] === EBPF_LOADER;
        return ours && argv.includes(String(agent)) ? [argv.join(' ')] : [];
      } catch {
        return [];
      }
    });
}

/** A private containerd, the agent running on it, and pods made as the kubelet would. */
export class AgentNode {
  dir = '';
  ctd!: PrivateContainerd;
  agent!: CliProcess;

  /** What the agent has said so far (its stderr). */
  get stderr(): string {
    return this.agent.output();
  }

  get out(): string {
    return path.join(this.dir, 'agent');
  }

  /** containerd with the test images, and the agent with `args` (besides its endpoint and directory) once it watches. */
  async start(args: string[]): Promise<void> {
    this.dir = makeTemp('tracewall-agent-');
    this.ctd = await startContainerd(this.dir);
    await importImages(this.ctd);
    this.agent = startCli([
      'agent',
      '--runtime-endpoint',
      this.ctd.endpoint,
      '--output-dir',
      this.out,
      '--status-interval',
      '2',
      ...args,
    ]);
    await this.said(/agent: watching /, 'the agent to start');
  }

  private goDir(tag: string): string {
    return path.join(this.dir, `signal-${tag}`);
  }

  /** Let the job of the pod whose name ends in `tag` start. */
  go(tag: string): void {
    fs.writeFileSync(path.join(this.goDir(tag), 'go'), '');
  }

  /** A pod of `ns` with `labels`, its one container "main" running `command` with /signal mounted. */
  async pod(
    ns: string,
    name: string,
    labels: Record<string, string>,
    command: string,
  ): Promise<{ pod: TestPod; id: string }> {
    const tag = name.split('-').pop()!;
    fs.mkdirSync(this.goDir(tag), { recursive: true });
    const p = await runPod(this.ctd, ns, name, { labels });
    const id = await runContainer(this.ctd, p, {
      name: 'main',
      command: ['/bin/sh', '-c', command],
      mounts: { [this.goDir(tag)]: '/signal' },
    });
    return { pod: p, id };
  }

  /** Wait until the agent has said something matching `re` (failing at once if it exited). */
  async said(re: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
    await this.agent.waitFor(re, timeoutMs, what);
  }

  /** Kill the agent if it still runs, remove every pod, stop containerd; nothing of it left. */
  async close(): Promise<void> {
    await this.agent?.kill();
    await this.ctd?.stop();
    if (this.ctd) expect(leftovers(this.ctd)).toEqual({ shims: [], mounts: [] });
    if (this.dir) rmTemp(this.dir);
  }
}

/** The staging/web/main recordings of the pods `web-HASH-TAG` (exactly those in the directory), each checked for its
 * name and CRI target. */
export function webRecordings(out: string, hash: string, tags: string[]): Recording[] {
  const main = path.join(out, 'staging', 'web', 'main');
  expect(fs.readdirSync(main).sort()).toEqual(tags.map((t) => `web-${hash}-${t}.recording.json`).sort());
  return tags.map((tag) => {
    const rec = readRecording(path.join(main, `web-${hash}-${tag}.recording.json`));
    expect(rec.name).toBe(`staging-web-${hash}-${tag}-main`);
    expect(rec.target).toMatchObject({
      kind: 'cri',
      pod: { namespace: 'staging', name: `web-${hash}-${tag}` },
      container: 'main',
    });
    return rec;
  });
}
