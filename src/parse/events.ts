// The events an strace log is made of, in an order where a process's creator comes before the process.
import type { Abi } from '../recording/types.js';

/** A pid seen for the first time; ppid is the process that created it (null for the traced root or when unknown). */
export interface ProcessEvent {
  kind: 'process';
  line: number;
  pid: number;
  time: string;
  ppid: number | null;
  /** False when ppid was inferred (no clone/fork result named this pid) or none could be found. */
  exact: boolean;
  /** A process that was running before the log began (attaching): what it runs and as whom, from /proc. */
  exe?: string;
  creds?: { euid: number; egid: number };
}

/** One system call, joined across `<unfinished ...>` / `<... resumed>` lines. */
export interface SyscallEvent {
  kind: 'syscall';
  line: number;
  pid: number;
  /** The call's -ttt timestamp when the log has them (tracewall's own logs do not), else "". */
  time: string;
  abi: Abi;
  /** The syscall number strace printed with -n, or null (then only the name is known). */
  nr: number | null;
  name: string;
  /** Raw argument text between the parentheses. */
  args: string;
  /** Raw result: "0", "-1", "?", "0x7f...", or "" when the call never returned in the log. */
  ret: string;
  /** ENOENT, ERESTARTSYS, ... or "". */
  errno: string;
  /** Raw content of the -yy decoration on a returned fd (`/etc/passwd`, `TCP:[...]`), or null. */
  retDeco: string | null;
  /** The pid in strace's namespace when --decode-pids=pidns annotated the result, or null. */
  retHostPid: number | null;
  /** False when the call was still unfinished when its process ended or the log stopped. */
  complete: boolean;
}

/** `--- SIGCHLD {...} ---` and `--- stopped by SIGSTOP ---`. */
export interface SignalEvent {
  kind: 'signal';
  line: number;
  pid: number;
  time: string;
  signal: string;
  info: string;
}

/** `+++ exited with N +++`. */
export interface ExitEvent {
  kind: 'exit';
  line: number;
  pid: number;
  time: string;
  code: number;
}

/** `+++ killed by SIGX [(core dumped)] +++`. */
export interface KilledEvent {
  kind: 'killed';
  line: number;
  pid: number;
  time: string;
  signal: string;
  coreDumped: boolean;
}

/** `[ Process PID=N runs in 32 bit mode. ]`: later calls of this pid use another ABI. */
export interface PersonalityEvent {
  kind: 'personality';
  line: number;
  pid: number;
  time: string;
  abi: Abi;
}

/** `+++ superseded by execve in pid T +++`: thread T ran execve and now continues as this (leader) pid. */
export interface SupersededEvent {
  kind: 'superseded';
  line: number;
  pid: number;
  time: string;
  by: number;
}

/** Anything an strace log line can say. */
export type TraceEvent =
  ProcessEvent | SyscallEvent | SignalEvent | ExitEvent | KilledEvent | PersonalityEvent | SupersededEvent;

/** A whole parsed log. */
export interface ParsedTrace {
  events: TraceEvent[];
  warnings: string[];
  /** Number of lines read. */
  lines: number;
  /** First and last times of the log: tracewall's own started/ended lines, or -ttt stamps in other logs; "" when none. */
  firstTime: string;
  lastTime: string;
}
