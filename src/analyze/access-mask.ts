// File accesses as bits of a number (in the catalogue's order), for folds that keep an access set per path and run.
import { FILE_ACCESSES, type FileAccess } from '../recording/types.js';

const BIT = new Map<FileAccess, number>(FILE_ACCESSES.map((a, i) => [a, 1 << i]));

/** The accesses as one number. */
export function accessMask(accesses: Iterable<FileAccess>): number {
  let mask = 0;
  for (const a of accesses) mask |= BIT.get(a) ?? 0;
  return mask;
}

/** The accesses of a mask, in the catalogue's order (as sortAccesses gives them). */
export function maskAccesses(mask: number): FileAccess[] {
  return FILE_ACCESSES.filter((_, i) => (mask & (1 << i)) !== 0);
}

/** Whether the mask holds `access`. */
export function hasAccess(mask: number, access: FileAccess): boolean {
  return (mask & (BIT.get(access) ?? 0)) !== 0;
}
