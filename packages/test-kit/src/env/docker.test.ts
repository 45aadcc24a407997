import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dockerEndpoints, isDockerAvailable, pingDocker } from './docker.js';

/** A unix-socket server standing in for an engine; `reply` undefined means it never answers. */
async function fakeEngine(socketPath: string, reply: string | undefined): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('data', () => {
      if (reply !== undefined) socket.end(reply);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('Docker engine detection', () => {
  let dir: string;
  const servers: net.Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'testkit-docker-'));
  });

  afterAll(async () => {
    await Promise.all(servers.map(close));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers true for an engine that pongs', async () => {
    const sock = path.join(dir, 'ok.sock');
    servers.push(await fakeEngine(sock, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK'));
    expect(await pingDocker(`unix://${sock}`, 1000)).toBe(true);
    expect(await isDockerAvailable({ env: { DOCKER_HOST: `unix://${sock}` } })).toBe(true);
  });

  it('answers false for an error status, a missing socket and a silent server, within the timeout', async () => {
    const bad = path.join(dir, 'bad.sock');
    servers.push(await fakeEngine(bad, 'HTTP/1.1 500 Internal Server Error\r\n\r\n'));
    const silent = path.join(dir, 'silent.sock');
    servers.push(await fakeEngine(silent, undefined));

    expect(await pingDocker(`unix://${bad}`, 1000)).toBe(false);
    expect(await pingDocker(`unix://${path.join(dir, 'missing.sock')}`, 1000)).toBe(false);
    const began = performance.now();
    expect(await pingDocker(`unix://${silent}`, 200)).toBe(false);
    expect(performance.now() - began).toBeLessThan(1000);
    expect(await pingDocker('npipe:////./pipe/docker_engine', 200)).toBe(false);
  });

  it('honours TESTKIT_DOCKER=0 and lists only sockets that exist', async () => {
    const sock = path.join(dir, 'ok.sock');
    expect(await isDockerAvailable({ env: { DOCKER_HOST: `unix://${sock}`, TESTKIT_DOCKER: '0' } })).toBe(
      false,
    );
    expect(dockerEndpoints({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })).toEqual(['tcp://10.0.0.1:2375']);
    expect(dockerEndpoints({ XDG_RUNTIME_DIR: dir }).every((e) => e.startsWith('unix://'))).toBe(true);
  });
});
