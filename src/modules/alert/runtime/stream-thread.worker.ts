/**
 * The streaming evaluator's own thread (stream-thread.ts starts it): a kernel of its own on the same PostgreSQL
 * database — its own pool, its own event bus listening to the matters' events, no key —, the built-in modules
 * registered (matter types, workflows), and startStreaming over the built-in models. Alerts it raises reach
 * the main thread's SSE clients through the database's NOTIFY, as another instance's would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { Config } from '../../../core/config.ts';
import { openKernel } from '../../../core/kernel.ts';
import type { Vault } from '../../../core/subjects/vault.ts';
import { registerModules } from '../../index.ts';
import { MODELS } from '../models/index.ts';
import { startStreaming } from './runtime.ts';
import type { StreamThreadData, ThreadMessage } from './stream-thread.ts';

const data = workerData as StreamThreadData;
const port = parentPort!;
const send = (m: ThreadMessage) => port.postMessage(m);

/** The models read and file matters; none decrypts or indexes an identifier, so this thread holds no key. */
const noVault: Vault = {
  encrypt: () => {
    throw new Error('预警线程不持有密钥 / the alert thread holds no key');
  },
  decrypt: () => {
    throw new Error('预警线程不持有密钥 / the alert thread holds no key');
  },
  blindIndex: () => {
    throw new Error('预警线程不持有密钥 / the alert thread holds no key');
  },
};

try {
  registerModules();
  const config = data.config as Config;
  const log = pino({ level: config.logLevel }).child({ thread: 'alert-stream' });
  // The main thread prepared the database (migrations, reference data) before starting this thread.
  const kernel = await openKernel(
    { ...config, databaseUrl: data.url },
    { prepare: false, log, poolSize: data.poolSize, vault: noVault },
  );
  const stop = startStreaming(kernel, MODELS, {
    ...(data.debounceMs !== undefined ? { debounceMs: data.debounceMs } : {}),
    ...(data.pollMs !== undefined ? { pollMs: data.pollMs } : {}),
    onPass: (pass) => send({ kind: 'pass', pass }),
  });
  port.on('message', (m: unknown) => {
    if (m !== 'stop') return;
    void (async () => {
      await stop();
      await kernel.close();
      send({ kind: 'stopped' });
    })();
  });
  send({ kind: 'ready' });
} catch (e) {
  send({ kind: 'failed', message: (e as Error).message });
}
