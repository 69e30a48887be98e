import { Worker } from 'node:worker_threads';
import type { Kernel } from '../../../core/kernel.ts';
import type { StreamPass } from './runtime.ts';

/**
 * The streaming evaluator on a thread of its own (PostgreSQL). On the main thread the models' reads and the
 * writing of their alerts wait behind whatever else the event loop runs — an import's parsing and
 * de-duplication, HTTP — at every round trip: at 1,000 records/s that doubled the time from a record's commit
 * to its alert (docs/BENCHMARKS.md). The thread opens its own pool on the same database and runs the built-in
 * models (stream-thread.boot.mjs, then stream-thread.worker.ts); the alerts reach SSE clients through NOTIFY. PGlite is one connection in
 * this process: there the evaluator stays on the main thread (alert module's `start`).
 */

/** What the thread is started with (structured-cloned). */
export interface StreamThreadData {
  url: string;
  poolSize: number;
  config: Kernel['config'];
  debounceMs?: number;
  pollMs?: number;
}

export type ThreadMessage =
  | { kind: 'ready' }
  | { kind: 'pass'; pass: StreamPass }
  | { kind: 'stopped' }
  | { kind: 'failed'; message: string };

/** Connections of the thread's pool: two evaluations at once, the applies, the cursor and the pass lock. */
const THREAD_POOL = 5;
/** A thread that died is started again after this long. */
const RESTART_MS = 5000;
/** How long stopping waits for the pass in flight before the thread is terminated. */
const STOP_WAIT_MS = 15_000;

/** The thread's entry: registers tsx's loader, then loads stream-thread.worker.ts. */
const BOOT = new URL('./stream-thread.boot.mjs', import.meta.url);

/**
 * Starts the streaming evaluator on its own thread; resolves once it is running (rejects if it could not
 * start). A thread that dies later is logged and started again. The returned function stops it, waiting for
 * the pass in flight.
 */
export async function startStreamingThread(
  kernel: Kernel,
  opts: {
    debounceMs?: number;
    pollMs?: number;
    onPass?: (pass: StreamPass) => void;
    /** Each time a thread is running (the first, and each one started again): e.g. to watch it. */
    onStart?: (worker: Worker) => void;
    /** How long after a thread died it is started again (default RESTART_MS). */
    restartMs?: number;
  } = {},
): Promise<() => Promise<void>> {
  const url = kernel.database.url;
  if (!url) throw new Error('预警线程需要 PostgreSQL / the alert thread needs PostgreSQL');
  const data: StreamThreadData = {
    url,
    poolSize: THREAD_POOL,
    config: kernel.config,
    ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
  };
  let stopping = false;
  let worker: Worker | null = null;
  let restart: NodeJS.Timeout | null = null;
  const after = opts.restartMs ?? RESTART_MS;
  // Started again `after` ms after it died — or after it failed to start again.
  const again = () => {
    restart = setTimeout(() => {
      restart = null;
      if (stopping) return;
      start().catch((e: Error) => {
        kernel.log.warn({ err: e.message }, `alert thread; trying again in ${after / 1000} s`);
        if (!stopping) again();
      });
    }, after);
  };
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const w = new Worker(BOOT, { workerData: data });
      let started = false;
      let failure = '';
      w.on('message', (m: ThreadMessage) => {
        if (m.kind === 'ready') {
          started = true;
          // Stopped while this one was starting again: it goes at once.
          if (stopping) void w.terminate();
          worker = w;
          opts.onStart?.(w);
          resolve();
        } else if (m.kind === 'pass') opts.onPass?.(m.pass);
        else if (m.kind === 'failed') {
          failure = m.message;
          void w.terminate();
        }
      });
      w.on('error', (e) => {
        failure = e.message;
        kernel.log.warn({ err: e.message }, 'alert thread failed');
      });
      w.on('exit', (code) => {
        if (!started)
          return reject(
            new Error(
              `预警线程未能启动 / the alert thread did not start (exit ${code}): ${failure || 'no message'}`,
            ),
          );
        if (worker === w) worker = null;
        if (stopping) return;
        kernel.log.warn({ code }, `alert thread exited; starting it again in ${after / 1000} s`);
        again();
      });
    });
  await start();
  return async () => {
    stopping = true;
    if (restart) clearTimeout(restart);
    const w = worker;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_WAIT_MS);
      w.on('message', (m: ThreadMessage) => {
        if (m.kind === 'stopped') {
          clearTimeout(timer);
          resolve();
        }
      });
      w.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      w.postMessage('stop');
    });
    await w.terminate();
  };
}
