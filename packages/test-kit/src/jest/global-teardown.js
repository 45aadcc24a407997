// jest globalTeardown: closes the lazy endpoints and whatever started behind them, so jest exits
// without --forceExit and leaves no process, container or port behind.
import { STATE_KEY } from './global-setup.js';

export default async function globalTeardown() {
  const state = /** @type {{ endpoints: Array<{ close: () => Promise<void> }> } | undefined} */ (
    /** @type {Record<symbol, unknown>} */ (globalThis)[STATE_KEY]
  );
  if (!state) return;
  /** @type {Record<symbol, unknown>} */ (globalThis)[STATE_KEY] = undefined;
  const results = await Promise.allSettled(state.endpoints.map((e) => e.close()));
  for (const r of results) {
    if (r.status === 'rejected') process.stderr.write(`test-kit: teardown failed: ${String(r.reason)}\n`);
  }
}
