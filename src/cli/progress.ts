// What tracewall says on stderr while it works: what runs, under which tracer, for how long, how many calls were seen,
// and how to stop it. On a terminal (CI unset): a spinner when the workload does not write to that terminal; a status
// line pinned to the terminal's last row (the rows above scroll, as apt's progress bar does) when it does, so the
// program's own output is never drawn over; only plain lines when the workload runs in a terminal of its own that
// tracewall relays (--pty: it may draw the whole screen). In CI or when stderr is not a terminal: plain lines at each
// step, and one every minute that the run goes on.
import yoctoSpinner, { type Spinner } from 'yocto-spinner';
import type { Interruption } from '../trace/interrupt.js';
import type { ProgressSink, TraceProgress } from '../trace/progress.js';

/** Where progress goes and what decides its form. */
export interface ProgressOptions {
  /** What runs, as the user named it (`busybox sh`, `bundle ./app`). */
  what: string;
  /** The tracer that was asked for, until it says its version. */
  tracer: string;
  /**
   * The workload's output: `own` (not on tracewall's terminal: attached, captured), `shared` (inherited stdio) or
   * `relayed` (a pseudo-terminal tracewall relays, which the program may draw full-screen).
   */
  terminal: 'own' | 'shared' | 'relayed';
  /** What is being done, for the status line (default "recording"). */
  doing?: string;
  /** What is said before the tracer runs (default "starting TRACER for WHAT…"). */
  starting?: string;
  /** The grace period a stop request gives the workload before SIGKILL (0: a stop detaches, nothing is signalled). */
  graceMs: number;
  interrupt?: Interruption;
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  /** Plain mode: how often a "still recording" line is printed. */
  stillEveryMs?: number;
}

/** A running progress display. */
export interface Progress {
  /** Hand this to the tracer. */
  readonly sink: ProgressSink;
  /** Clear the display (before the summary is printed). */
  done(): void;
}

/** A spinner line on a terminal unless CI is set or the terminal cannot redraw a line. */
export function isLive(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !('CI' in env) && env.TERM !== 'dumb';
}

const count = (n: number): string => n.toLocaleString('en-US');

/** The state progress is drawn from. */
interface State {
  phase: 'starting' | 'tracing' | 'stopping' | 'killing';
  doing: string;
  starting?: string;
  tracer: string;
  started: number;
  calls: number | undefined;
  stopSignal?: string;
  stopAt?: number;
  /** A step after the workload's run (verify). */
  step?: string;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.floor(ms / 1000))} s`;
}

/** The one line that says where the run is. */
export function statusLine(s: State, what: string, graceMs: number, now: number): string {
  switch (s.phase) {
    case 'starting':
      return s.starting ?? `starting ${s.tracer} for ${what}…`;
    case 'tracing': {
      if (s.step !== undefined) return `${s.step} · ${seconds(now - s.started)}`;
      const calls = s.calls === undefined ? '' : ` · ${count(s.calls)} calls`;
      return `${s.doing} ${what} with ${s.tracer} · ${seconds(now - s.started)}${calls} · Ctrl-C to ${graceMs === 0 ? 'detach' : 'stop'}`;
    }
    case 'stopping': {
      if (graceMs === 0) return `${s.stopSignal}: detaching from ${what} (it keeps running)`;
      const left = Math.ceil((s.stopAt! + graceMs - now) / 1000);
      return left > 0
        ? `${s.stopSignal} sent to ${what}; SIGKILL in ${left} s (Ctrl-C again to kill now)`
        : `SIGKILL sent to ${what}; waiting for ${s.tracer} to finish`;
    }
    case 'killing':
      return `SIGKILL sent to ${what}; waiting for ${s.tracer} to finish`;
  }
}

/** Start showing progress for one run. */
export function startProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  const env = o.env ?? process.env;
  const state: State = {
    phase: 'starting',
    doing: o.doing ?? 'recording',
    ...(o.starting === undefined ? {} : { starting: o.starting }),
    tracer: o.tracer,
    started: Date.now(),
    calls: undefined,
  };
  const live = isLive(stream, env);
  const view =
    live && o.terminal === 'own'
      ? spinnerView(o, stream, state)
      : live && o.terminal === 'shared' && (stream.rows ?? 0) >= 4
        ? pinnedView(o, stream, state)
        : linesView(o, stream, state, live);
  const onStop = (): void => {
    if (finished || state.phase === 'stopping' || state.phase === 'killing') return;
    const r: unknown = o.interrupt?.stop?.reason;
    state.stopSignal = typeof r === 'string' ? r : 'SIGTERM';
    state.stopAt = Date.now();
    state.phase = 'stopping';
    view.changed();
  };
  const onKill = (): void => {
    state.phase = 'killing';
    view.changed();
  };
  o.interrupt?.stop?.addEventListener('abort', onStop, { once: true });
  o.interrupt?.kill?.addEventListener('abort', onKill, { once: true });
  let finished = false;
  return {
    sink: (e: TraceProgress) => {
      if (finished) return;
      if (e.kind === 'tracing') {
        state.tracer = `${e.tracer} ${e.version}`.trim();
        state.started = Date.now();
        if (state.phase === 'starting') state.phase = 'tracing';
      } else if (e.kind === 'calls') state.calls = e.count;
      else {
        state.step = e.text;
        if (state.phase !== 'starting') state.phase = 'tracing';
      }
      view.changed();
    },
    done: () => {
      finished = true;
      o.interrupt?.stop?.removeEventListener('abort', onStop);
      o.interrupt?.kill?.removeEventListener('abort', onKill);
      view.done();
    },
  };
}

interface View {
  changed(): void;
  done(): void;
}

/** Redraw `draw` once a second until stopped. */
function everySecond(draw: () => void): () => void {
  const tick = setInterval(draw, 1000);
  tick.unref();
  draw();
  return () => clearInterval(tick);
}

/** A spinner with the status line, redrawn once a second. */
function spinnerView(o: ProgressOptions, stream: NodeJS.WriteStream, s: State): View {
  const text = (): string => statusLine(s, o.what, o.graceMs, Date.now());
  const spinner: Spinner = yoctoSpinner({ text: text(), stream, handleSignals: false }).start();
  const stop = everySecond(() => (spinner.text = text()));
  return {
    changed: () => (spinner.text = text()),
    done: () => {
      stop();
      spinner.stop();
    },
  };
}

const ESC = '\u001b';

/**
 * The status on the terminal's last row, outside a scroll region of the rows above it, where the workload's output
 * goes. Each update is one write that saves the cursor, paints the row and restores the cursor.
 */
function pinnedView(o: ProgressOptions, stream: NodeJS.WriteStream, s: State): View {
  const rows = (): number => stream.rows || 24;
  const region = (): string => `${ESC}7${ESC}[1;${rows() - 1}r${ESC}8`;
  const paint = (): void => {
    const text = `tracewall: ${statusLine(s, o.what, o.graceMs, Date.now())}`.slice(0, (stream.columns || 80) - 1);
    stream.write(`${ESC}7${ESC}[${rows()};1H${ESC}[2K${ESC}[7m${text}${ESC}[0m${ESC}8`);
  };
  const onResize = (): void => {
    stream.write(region());
    paint();
  };
  // a new line first, so the row the cursor is on stays above the region's end
  stream.write(`\n${region()}${ESC}[1A`);
  stream.on('resize', onResize);
  const stop = everySecond(paint);
  return {
    changed: paint,
    done: () => {
      stop();
      stream.off('resize', onResize);
      stream.write(`${ESC}7${ESC}[r${ESC}[${rows()};1H${ESC}[2K${ESC}8`);
    },
  };
}

/** Plain lines: one at each step, and one every `stillEveryMs` while the workload runs. */
function linesView(o: ProgressOptions, stream: NodeJS.WriteStream, s: State, live: boolean): View {
  const stopHow = live ? 'Ctrl-C to stop' : 'SIGINT or SIGTERM to stop';
  let last: State['phase'] = 'starting';
  let lastStep: string | undefined;
  let announced = false;
  const say = (text: string): void => void stream.write(`tracewall: ${text}\n`);
  const still = setInterval(() => {
    if (s.phase !== 'tracing' || live) return;
    const calls = s.calls === undefined ? '' : `, ${count(s.calls)} calls`;
    say(`still ${s.doing} ${o.what}: ${seconds(Date.now() - s.started)}${calls}`);
  }, o.stillEveryMs ?? 60_000);
  still.unref();
  return {
    changed: () => {
      if (s.step !== undefined && s.step !== lastStep) say(s.step);
      lastStep = s.step;
      if (s.phase === last) return;
      last = s.phase;
      if (s.phase === 'tracing' && !announced) say(`${s.doing} ${o.what} with ${s.tracer} (${stopHow})`);
      if (s.phase === 'tracing') announced = true;
      else if (s.phase === 'stopping' && o.graceMs === 0) say(`${s.stopSignal}: detaching from ${o.what}`);
      else if (s.phase === 'stopping')
        say(`${s.stopSignal} sent to ${o.what}; SIGKILL in ${Math.ceil(o.graceMs / 1000)} s unless it ends`);
      else if (s.phase === 'killing') say(`SIGKILL sent to what is left of ${o.what}`);
    },
    done: () => clearInterval(still),
  };
}
