// The runtime layer: syscalls a container runtime itself makes after installing the seccomp filter and before the
// entrypoint runs. They are not the application's, so they are rendered as a separate, labelled rule.
import type { RuntimeLayer } from '../analyze/policy-types.js';

/** Measured on this project's test machine (see design.md); re-measure when a runtime's version changes. */
export const RUNTIME_LAYERS: Readonly<Record<'crun' | 'runc', Omit<RuntimeLayer, 'name'>>> = {
  crun: {
    version: '1.8.1',
    syscalls: ['close', 'execve'],
    source: 'measured with crun 1.8.1 on Debian 12 (design.md)',
  },
  runc: {
    version: '1.1.5',
    syscalls: ['close', 'execve', 'fstatfs', 'futex', 'getdents64', 'getpid', 'nanosleep', 'openat', 'rt_sigreturn', 'sched_yield', 'write'],
    source: 'measured with runc 1.1.5 on Debian 12 (design.md)',
  },
};

/** The layer for a runtime name; "none" yields an empty layer. */
export function runtimeLayer(name: 'crun' | 'runc' | 'none'): RuntimeLayer {
  if (name === 'none') return { name, version: '', syscalls: [], source: 'no runtime layer requested' };
  return { name, ...RUNTIME_LAYERS[name] };
}
