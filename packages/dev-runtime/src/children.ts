import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

const COLORS = [36, 35, 33, 32, 34, 31];

/** Spawns a service with its output prefixed by its name, one line at a time. */
export function spawnService(
  name: string,
  index: number,
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Child {
  const child = spawn(process.execPath, ['--enable-source-maps', script], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = process.stdout.isTTY
    ? `\u001b[${COLORS[index % COLORS.length]}m${name.padEnd(13)}\u001b[0m`
    : name.padEnd(13);
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${tag} | ${line}\n`));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, process: child, exited };
}

/** Asks a child to stop with SIGTERM; kills it if it has not exited after `graceMs`. */
export async function stopChild(child: Child, graceMs: number): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}
