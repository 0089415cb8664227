// Strongly connected components of a graph discovered from its roots (Tarjan, iterative: call chains in libc are deep).

/** The components reachable from `roots`, each a list of nodes, in reverse topological order (callees first). */
export function componentsFrom(roots: readonly number[], successors: (node: number) => readonly number[]): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (const root of roots) {
    if (index.has(root)) continue;
    const frames: Array<{ node: number; succ: readonly number[]; i: number }> = [];
    const enter = (n: number): void => {
      index.set(n, counter);
      low.set(n, counter++);
      stack.push(n);
      onStack.add(n);
      frames.push({ node: n, succ: successors(n), i: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      if (f.i < f.succ.length) {
        const m = f.succ[f.i++]!;
        if (!index.has(m)) enter(m);
        else if (onStack.has(m)) low.set(f.node, Math.min(low.get(f.node)!, index.get(m)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(f.node)!));
      if (low.get(f.node) !== index.get(f.node)) continue;
      const comp: number[] = [];
      let m: number;
      do {
        m = stack.pop()!;
        onStack.delete(m);
        comp.push(m);
      } while (m !== f.node);
      out.push(comp);
    }
  }
  return out;
}
