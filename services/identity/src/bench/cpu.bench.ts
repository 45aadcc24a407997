/**
 * Where the CPU goes during a timed run (Linux /proc; elsewhere every figure is NaN): the identity
 * service process (all its threads, argon2 included), the Postgres backends serving its pool, this
 * process (autocannon and the fauxqs worker thread), and the whole machine — the rest is other
 * work on the same host. On a shared two-core machine these say what bounds a figure better than
 * the rate itself.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { type Kysely, sql } from 'kysely';

/** Clock ticks per second of /proc (USER_HZ, 100 on Linux for x86-64 and arm64). */
const TICKS_PER_SEC = 100;

async function processCpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

async function machineCpuMs(): Promise<number> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const [, ...values] = line.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((s, v) => s + (v ?? 0), 0);
    return (busy * 1000) / TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

/** Local ports of `pid`'s TCP connections to `remotePort`. */
async function connectionPorts(pid: number, remotePort: number): Promise<number[]> {
  try {
    const inodes = new Set<string>();
    for (const fd of await readdir(`/proc/${pid}/fd`)) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match?.[1] !== undefined) inodes.add(match[1]);
    }
    const ports: number[] = [];
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await readFile(table, 'utf8').catch(() => '');
      for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        const local = cols[1];
        const remote = cols[2];
        const inode = cols[9];
        if (local === undefined || remote === undefined || inode === undefined || !inodes.has(inode))
          continue;
        if (Number.parseInt(remote.split(':')[1] ?? '', 16) !== remotePort) continue;
        ports.push(Number.parseInt(local.split(':')[1] ?? '', 16));
      }
    }
    return ports;
  } catch {
    return [];
  }
}

/** PIDs of the Postgres backends serving `pid`'s connections (found by client port). */
async function backendPids(db: Kysely<unknown>, pid: number, pgPort: number): Promise<number[]> {
  const ports = await connectionPorts(pid, pgPort);
  if (ports.length === 0) return [];
  const rows = await sql<{ pid: number }>`
    select pid from pg_stat_activity
    where client_addr in ('127.0.0.1', '::1') and client_port = any(${ports}::int[])`.execute(db);
  return rows.rows.map((r) => r.pid);
}

export interface CpuSplit {
  /** CPU milliseconds during the run. */
  serviceMs: number;
  postgresMs: number;
  loadGeneratorMs: number;
  machineMs: number;
  wallMs: number;
}

export interface CpuMeter {
  start(): Promise<void>;
  stop(): Promise<CpuSplit>;
}

/** Measures one run at a time: `start()` before it, `stop()` after it. */
export function cpuMeter(options: { servicePid: number; db: Kysely<unknown>; pgPort: number }): CpuMeter {
  let startedAt = 0;
  let before = { service: 0, self: 0, machine: 0 };
  // Per backend: the pool opens and closes connections, so a backend is counted from when it is
  // first seen (0 for one opened during the run) until the end; one gone by then is left out.
  let backendsBefore = new Map<number, number>();
  const backends = () =>
    backendPids(options.db, options.servicePid, options.pgPort).catch(() => [] as number[]);
  const selfMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  return {
    async start() {
      const pids = await backends();
      backendsBefore = new Map(
        await Promise.all(pids.map(async (pid) => [pid, await processCpuMs(pid)] as const)),
      );
      before = {
        service: await processCpuMs(options.servicePid),
        self: selfMs(),
        machine: await machineCpuMs(),
      };
      startedAt = performance.now();
    },
    async stop() {
      const wallMs = performance.now() - startedAt;
      const serviceMs = (await processCpuMs(options.servicePid)) - before.service;
      const loadGeneratorMs = selfMs() - before.self;
      const machineMs = (await machineCpuMs()) - before.machine;
      const pids = new Set([...backendsBefore.keys(), ...(await backends())]);
      let postgresMs = 0;
      for (const pid of pids) {
        const now = await processCpuMs(pid);
        if (!Number.isNaN(now)) postgresMs += now - (backendsBefore.get(pid) ?? 0);
      }
      return {
        serviceMs,
        postgresMs: pids.size === 0 ? Number.NaN : postgresMs,
        loadGeneratorMs,
        machineMs,
        wallMs,
      };
    },
  };
}
