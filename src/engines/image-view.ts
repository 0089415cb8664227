// The image's file system as one host directory, after the run: where executed paths are resolved (symlink targets,
// `#!` interpreters) in the container's view. podman mounts images itself; docker's overlay2 layers are read directly
// (one layer) or stacked in a read-only overlay mount that is removed again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { engineCli } from './engine.js';
import type { EngineName } from './run-args.js';

/** A root filesystem to look paths up in, and how to give it back. */
export interface ImageView {
  rootfs: string;
  release: () => Promise<void>;
}

/** The image's root filesystem, or a reason why it cannot be had (the recording then says exec paths were not resolved). */
export async function imageView(engine: EngineName, image: string): Promise<ImageView | string> {
  return engine === 'podman' ? podmanView(image) : dockerView(image);
}

async function podmanView(image: string): Promise<ImageView | string> {
  const r = await engineCli('podman', ['image', 'mount', image]);
  const dir = r.stdout.trim();
  if (r.exitCode !== 0 || !path.isAbsolute(dir))
    return `podman image mount ${image} failed: ${r.stderr.split('\n')[0] ?? ''}`;
  return {
    rootfs: dir,
    release: async () => {
      await engineCli('podman', ['image', 'unmount', image]);
    },
  };
}

async function dockerView(image: string): Promise<ImageView | string> {
  const r = await engineCli('docker', ['image', 'inspect', '--format', '{{json .GraphDriver}}', image]);
  let driver: { Name?: string; Data?: Record<string, string> | null };
  try {
    driver = JSON.parse(r.stdout) as typeof driver;
  } catch {
    return `docker image inspect ${image} failed: ${r.stderr.split('\n')[0] ?? ''}`;
  }
  if (driver.Name !== 'overlay2' || !driver.Data?.UpperDir)
    return `docker's storage driver ${JSON.stringify(driver.Name)} is not overlay2`;
  const layers = [driver.Data.UpperDir, ...(driver.Data.LowerDir ?? '').split(':')].filter((d) => d !== '');
  if (!layers.every((d) => fs.existsSync(d)))
    return "the image's layer directories are not on this machine (a remote dockerd?)";
  if (layers.length === 1) return { rootfs: layers[0]!, release: async () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-image-'));
  const m = await execa('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${layers.join(':')}`, dir], {
    reject: false,
    stdin: 'ignore',
    timeout: 20_000,
  });
  if (m.exitCode !== 0) {
    fs.rmdirSync(dir);
    return `mounting the image's ${layers.length} layers failed: ${String(m.stderr).trim()}`;
  }
  return {
    rootfs: dir,
    release: async () => {
      await execa('umount', [dir], { reject: false, stdin: 'ignore', timeout: 20_000 });
      // never recursive: if the unmount failed, the image's files are still below
      try {
        fs.rmdirSync(dir);
      } catch {
        /* still mounted: left for the next boot rather than risk the image */
      }
    },
  };
}
