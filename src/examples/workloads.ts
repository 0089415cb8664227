// The bundled example workload: what the demo records and the end-to-end tests replay.

/**
 * A busybox shell that writes and renames a file, serves it with httpd and fetches it over loopback with nc.
 * httpd binds before it daemonises, so the client never races it; the container ends when sh (pid 1) exits, taking the
 * daemon with it. nc, not wget: busybox wget calls poll() only when a read would block, so whether poll shows up
 * depends on timing (a tracer slows the server down); nc always polls. A replay must not depend on luck.
 */
export const BUSYBOX_WEB_WORKLOAD = [
  'set -e',
  'cd /tmp',
  'echo "hello tracewall" > page.txt',
  'mv page.txt index.html',
  'cat index.html',
  'httpd -p 127.0.0.1:8080 -h /tmp',
  "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8080 | tail -n 1",
  'echo done',
].join('\n');

/** What BUSYBOX_WEB_WORKLOAD prints when it works. */
export const BUSYBOX_WEB_OUTPUT = 'hello tracewall\nhello tracewall\ndone\n';

/** Things the example never did: each must work without a profile and be refused (EPERM) under the generated one. */
export const BUSYBOX_PROBES: ReadonlyArray<{ what: string; args: string[] }> = [
  { what: 'mkdir in a new place', args: ['/bin/mkdir', '/tmp/never-made'] },
  { what: 'unshare (a new user namespace)', args: ['/bin/unshare', '-U', '/bin/true'] },
  { what: 'a socket of another family (AF_PACKET)', args: ['/bin/arping', '-c', '1', '-w', '1', '-I', 'lo', '127.0.0.1'] },
];
