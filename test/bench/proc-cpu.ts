/**
 * CPU time from /proc (Linux), for benchmarks on a shared machine: unlike a rate, the CPU a
 * server spends per message or command barely moves when other work competes for the cores.
 *
 * `treeCpuMs(root)`: user + system time, in ms, of `root` and every live descendant, plus what
 * their reaped children used (cutime/cstime), so a short-lived worker process still counts after
 * its parent waited for it. Take it before and after a run and subtract.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function statFields(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  } catch {
    return undefined; // exited meanwhile
  }
}

/** `root` and every live process descending from it. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (!f) continue;
    const ppid = Number(f[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function treeCpuMs(...roots: number[]): number {
  let ticks = 0;
  for (const root of roots) {
    for (const pid of descendants(root)) {
      const f = statFields(pid);
      if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
    }
  }
  return ticks * TICK_MS;
}
