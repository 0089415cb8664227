// Example OCI bundles built on the spot, no registry: a busybox-static rootfs, or host /usr /etc ... bind-mounted
// read-only into an empty rootfs (real Debian servers: nginx, redis). Used by the demo and by the end-to-end tests.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { OciConfig } from '../trace/bundle.js';

/** One mount of an OCI config. */
export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/**
 * Network of an example container. 'loopback' (default): a private network namespace whose `lo` a createRuntime hook brings
 * up from the host, so servers and clients inside can talk over 127.0.0.1 with no extra capability and no port clashes
 * between tests. 'none': a private namespace with `lo` down, as `runc spec` gives. 'host': the host's namespace (no
 * network namespace at all), for servers that the host must reach.
 */
export type TestNetwork = 'loopback' | 'none' | 'host';

/** What the bundle builders take. */
export interface BundleOptions {
  args: string[];
  env?: string[];
  cwd?: string;
  /** Mounts added after the default ones. */
  mounts?: OciMount[];
  /** Root filesystem read-only (default true; /tmp is then a tmpfs). */
  readonlyRoot?: boolean;
  network?: TestNetwork;
  noNewPrivileges?: boolean;
  user?: { uid: number; gid: number };
  /** Extra capabilities on top of runc spec's CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE. */
  addCapabilities?: string[];
  /** linux.seccomp to put in the bundle itself. */
  seccomp?: object;
}

/** A bundle on disk. */
export interface TestBundle {
  dir: string;
  rootfs: string;
  configPath: string;
  config: OciConfig;
}

const BUSYBOX = '/bin/busybox';
const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
const HOOK_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A busybox-static rootfs (every applet linked in /bin, /etc/passwd and group, /tmp, /www) and a runc-spec-like config. */
export function makeBusyboxBundle(dir: string, opts: BundleOptions): TestBundle {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'dev', 'sys', 'root', 'www']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
  // runc gives a tmpfs the mode of the directory it covers, whatever its mode= option says.
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of busyboxApplets()) {
    if (applet === 'busybox') continue;
    fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  }
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(rootfs, 'etc', 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  fs.writeFileSync(path.join(rootfs, 'www', 'index.html'), 'hello from busybox httpd\n');
  const readonly = opts.readonlyRoot ?? true;
  const mounts = [...baseMounts(), ...(readonly ? [tmpfs('/tmp', 'mode=1777')] : []), ...(opts.mounts ?? [])];
  return writeBundle(dir, rootfs, config(opts, { rootfs, readonly, mounts, env: ['PATH=/bin', 'HOME=/root'], hostname: 'busybox' }));
}

/** Which host directories are bound, and which merged-/usr links are mirrored instead. */
const HOST_DIRS = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib64'];

/**
 * An empty rootfs with the host's /usr /etc /bin /sbin /lib /lib64 bind-mounted read-only (or, on a merged-/usr host,
 * the same symlinks into /usr), tmpfs on /tmp /run /var, and DIR/files bind-mounted read-only at /run/tracewall for
 * configuration the test writes with `files`.
 */
export function makeHostBindBundle(dir: string, opts: BundleOptions & { files?: Record<string, string> }): TestBundle {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true });
  const binds: OciMount[] = [];
  for (const host of HOST_DIRS) {
    let st: fs.Stats;
    try { st = fs.lstatSync(host); } catch { continue; }
    const inside = path.join(rootfs, host);
    if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(host), inside);
    } else if (st.isDirectory()) {
      fs.mkdirSync(inside, { recursive: true });
      binds.push({ destination: host, type: 'bind', source: host, options: ['rbind', 'ro', 'nosuid', 'nodev'] });
    }
  }
  for (const d of ['proc', 'dev', 'sys', 'tmp', 'run', 'var']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  // runc gives a tmpfs the mode of the directory it covers, whatever its mode= option says.
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  const filesDir = path.join(dir, 'files');
  fs.mkdirSync(filesDir, { recursive: true });
  for (const [name, content] of Object.entries(opts.files ?? {})) {
    const file = path.join(filesDir, name);
    if (!file.startsWith(filesDir + path.sep)) throw new Error(`files: ${name} escapes the files directory`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  const mounts = [
    ...baseMounts(),
    ...binds,
    tmpfs('/tmp', 'mode=1777'),
    tmpfs('/run', 'mode=755'),
    tmpfs('/var', 'mode=755'),
    { destination: '/run/tracewall', type: 'bind', source: filesDir, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] },
    ...(opts.mounts ?? []),
  ];
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/tmp', 'LANG=C.UTF-8'];
  return writeBundle(dir, rootfs, config(opts, { rootfs, readonly: opts.readonlyRoot ?? true, mounts, env, hostname: 'hostbind' }));
}

/** nginx serving /run/tracewall/www/index.html on 127.0.0.1:PORT in the foreground, as nobody, all state under /tmp. */
export function makeNginxBundle(dir: string, opts: { port: number; network?: TestNetwork; body?: string }): TestBundle {
  const conf = [
    'worker_processes 1;',
    'pid /tmp/nginx.pid;',
    'error_log stderr notice;',
    'daemon off;',
    'events { worker_connections 64; }',
    'http {',
    '  access_log /tmp/access.log;',
    '  client_body_temp_path /tmp/client_body;',
    '  proxy_temp_path /tmp/proxy;',
    '  fastcgi_temp_path /tmp/fastcgi;',
    '  uwsgi_temp_path /tmp/uwsgi;',
    '  scgi_temp_path /tmp/scgi;',
    `  server { listen 127.0.0.1:${opts.port}; root /run/tracewall/www; }`,
    '}',
    '',
  ].join('\n');
  return makeHostBindBundle(dir, {
    args: ['/usr/sbin/nginx', '-p', '/tmp/', '-c', '/run/tracewall/nginx.conf', '-e', 'stderr'],
    user: { uid: 65534, gid: 65534 },
    network: opts.network ?? 'host',
    files: { 'nginx.conf': conf, 'www/index.html': opts.body ?? 'hello from nginx\n' },
  });
}

/** redis-server on 127.0.0.1:PORT in the foreground, as nobody, no persistence. */
export function makeRedisBundle(dir: string, opts: { port: number; network?: TestNetwork }): TestBundle {
  return makeHostBindBundle(dir, {
    args: ['/usr/bin/redis-server', '--port', String(opts.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp', '--daemonize', 'no', '--logfile', ''],
    user: { uid: 65534, gid: 65534 },
    network: opts.network ?? 'host',
  });
}

function busyboxApplets(): string[] {
  return execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[\w.[-]+$/.test(a) && !a.includes('/'));
}

function tmpfs(destination: string, mode: string): OciMount {
  return { destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', mode, 'size=65536k'] };
}

/** The mounts `runc spec` writes. */
function baseMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

function config(opts: BundleOptions, base: { rootfs: string; readonly: boolean; mounts: OciMount[]; env: string[]; hostname: string }): OciConfig {
  const caps = [...new Set([...DEFAULT_CAPS, ...(opts.addCapabilities ?? [])])].sort();
  const network = opts.network ?? 'loopback';
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, ...(network === 'host' ? [] : [{ type: 'network' }])];
  // The hook runs on the host with the container's state on stdin; it enters only the new network namespace.
  const loopbackUp = 'pid=$(sed -n \'s/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p\') && [ -n "$pid" ] && exec nsenter -t "$pid" -n ip link set lo up';
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: opts.user ?? { uid: 0, gid: 0 },
      args: opts.args,
      env: opts.env ?? base.env,
      cwd: opts.cwd ?? '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: opts.noNewPrivileges ?? true,
    },
    root: { path: 'rootfs', readonly: base.readonly },
    hostname: base.hostname,
    mounts: base.mounts,
    ...(network === 'loopback' ? { hooks: { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', loopbackUp], env: [HOOK_PATH], timeout: 10 }] } } : {}),
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces,
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      ...(opts.seccomp ? { seccomp: opts.seccomp } : {}),
    },
  };
}

function writeBundle(dir: string, rootfs: string, cfg: OciConfig): TestBundle {
  const configPath = path.join(dir, 'config.json');
  fs.writeFileSync(configPath, JSON.stringify(cfg, null, 2) + '\n');
  return { dir, rootfs, configPath, config: cfg };
}
