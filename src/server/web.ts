import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { App } from './app.ts';

/** Where `vite build` puts the web console (web/vite.config.ts). */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export const webBuilt = () => fs.existsSync(path.join(WEB_DIST, 'index.html'));

/**
 * Serves the built web console at /. Hashed assets are cached for a year; index.html never, so a new
 * build reaches users on their next load. Without a build the API still runs (and says so at start).
 */
export async function registerWeb(app: App): Promise<void> {
  if (!webBuilt()) return;
  await app.register(fastifyStatic, {
    root: WEB_DIST,
    prefix: '/',
    wildcard: false,
    index: false,
    setHeaders: (res, file) => {
      res.header(
        'cache-control',
        file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

export function sendIndex(reply: FastifyReply) {
  return reply
    .header('cache-control', 'no-cache')
    .type('text/html; charset=utf-8')
    .sendFile('index.html', WEB_DIST);
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newestMtime(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = path.join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }, 0);
}

/** True when web/dist is missing or older than any source of the console. */
export function webStale(): boolean {
  if (!webBuilt()) return true;
  const src = Math.max(
    newestMtime(path.join(ROOT, 'web', 'src')),
    fs.statSync(path.join(ROOT, 'web', 'index.html')).mtimeMs,
    fs.statSync(path.join(ROOT, 'web', 'vite.config.ts')).mtimeMs,
  );
  return fs.statSync(path.join(WEB_DIST, 'index.html')).mtimeMs < src;
}

/**
 * Builds the console with Vite when it is stale (`npm start` on a fresh clone, or after an edit). Runs Vite
 * as a child process so that its memory and plugins stay out of the server.
 */
export function ensureWebBuild(log: (s: string) => void = () => {}): void {
  if (!webStale()) return;
  log('构建网页控制台 / building the web console (vite)…');
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('vite build failed');
}
