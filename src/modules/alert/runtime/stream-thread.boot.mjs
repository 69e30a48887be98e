// The alert thread's entry (stream-thread.ts starts it), as bin/zhili.js is the CLI's: a worker does not
// inherit the loader hooks of the thread that starts it (tsx issue 354), so it registers tsx's loader itself
// before it loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./stream-thread.worker.ts');
