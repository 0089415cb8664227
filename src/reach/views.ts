// The file system each recorded run saw, reopened after the run: the host for commands and attached processes, the
// bundle's root filesystem and bind mounts for a bundle, the image's root filesystem for a docker/podman container
// (a CRI runtime's image store is not opened).
import path from 'node:path';
import type { RunTarget } from '../recording/types.js';
import { imageView } from '../engines/image-view.js';
import { readBundle } from '../trace/bundle.js';
import { bundleToHost, lookupIn, type ToHost } from '../trace/exec-lookup.js';
import type { RootView } from './executable.js';

/** A view, or why it cannot be had; `release` gives back what opening it took (an image mount). */
export interface OpenedView {
  view: RootView | string;
  release: () => Promise<void>;
}

/** The label of a run's file system: the key under which runs share one view. */
export function viewLabel(target: RunTarget): string {
  switch (target.kind) {
    case 'bundle':
      return `bundle:${target.bundle}`;
    case 'docker':
    case 'podman':
    case 'cri':
      return `${target.kind}:${target.imageId ?? target.image}`;
    default:
      return 'host';
  }
}

function viewOf(label: string, toHost: ToHost): RootView {
  return { label, toHost, lookup: lookupIn(toHost) };
}

/** The host's own file system. */
export function hostView(): RootView {
  return viewOf('host', (p) => p);
}

const NOTHING = async (): Promise<void> => {};

/** Open the file system of a run (a recording made from a log is taken to have run on this host). */
export async function openView(target: RunTarget): Promise<OpenedView> {
  const label = viewLabel(target);
  if (target.kind === 'bundle') {
    try {
      return { view: viewOf(label, bundleToHost(readBundle(target.bundle))), release: NOTHING };
    } catch (err) {
      return { view: `the bundle cannot be read any more: ${(err as Error).message}`, release: NOTHING };
    }
  }
  if (target.kind === 'docker' || target.kind === 'podman') {
    let image: Awaited<ReturnType<typeof imageView>>;
    try {
      image = await imageView(target.kind, target.imageId ?? target.image);
    } catch (err) {
      image = (err as Error).message; // no engine on this machine: the entries say so
    }
    if (typeof image === 'string') return { view: `the image cannot be opened: ${image}`, release: NOTHING };
    return { view: viewOf(label, (p) => path.join(image.rootfs, p)), release: image.release };
  }
  if (target.kind === 'cri')
    return {
      view: `the image ${target.image} is in the store of ${target.criRuntime}, which reach does not open`,
      release: NOTHING,
    };
  return { view: hostView(), release: NOTHING };
}
