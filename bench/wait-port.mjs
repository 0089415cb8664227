// Waits until something accepts TCP connections on 127.0.0.1:`port` (a server the bench started), or throws after `ms`.
import net from 'node:net';

export async function waitPort(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((res) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        res(true);
      });
      s.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not up in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
