// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, the way a flame graph's
// bottom-up view reads, so a bench run can say where an instance spends its CPU without a GUI.
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  fn: string;
  ms: number;
  percent: number;
}

export function selfTimes(profile: Profile, limit = 20): { totalMs: number; top: SelfTime[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const delta = profile.timeDeltas[i] ?? 0;
    if (node === undefined) continue;
    totalUs += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + delta);
  }
  const top = [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), percent: Math.round((1000 * us) / Math.max(totalUs, 1)) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), top };
}

export async function summariseProfile(file: string, limit = 20): Promise<{ totalMs: number; top: SelfTime[] }> {
  return selfTimes(JSON.parse(await readFile(file, 'utf8')) as Profile, limit);
}
