// Starts the real badgeserver binary on loopback against a fresh SQLite file, for the contract checks.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { REPO } from './openapi.mjs';

export const BINARY = process.env.BADGESERVER_BINARY ?? `${REPO}build/badgeserver`;
// A fixed test key: the database is thrown away afterwards.
const env = { ...process.env, BADGESERVER_KEY_ENCRYPTION_KEY: 'Y29udHJhY3QtY2hlY2sta2V5LTMyLWJ5dGVzLWxvbmc=' };

export function registeredRoutes() {
  return JSON.parse(execFileSync(BINARY, ['routes'], { env, encoding: 'utf8' }));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'bs-contract-'));
  const db = `sqlite:${join(dir, 'contract.db')}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(BINARY, ['serve', '--database', db, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`badgeserver exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('badgeserver did not become healthy within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
