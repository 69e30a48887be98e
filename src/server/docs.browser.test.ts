import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceBrowserSkip, hasChromium, launchChromium } from '../testing/browser.ts';
import { createTestContext, type TestContext } from '../testing/harness.ts';

announceBrowserSkip('src/server/docs.browser.test.ts');

// The "done when" of the kernel: a newcomer opens the docs page in a browser, signs in as a user, and the
// API answers with that user's scope only. Driven in real Chromium against the real server.
describe.runIf(hasChromium)('API docs page in a browser', () => {
  let t: TestContext;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await createTestContext();
    await t.userSession({ username: 'grid_docs', role: 'grid_worker', areaCode: '330302006044' });
    await t.kernel.db
      .insertInto('persons')
      .values([
        { area_code: '330302006044001', name: '鼓楼居民' },
        { area_code: '330302006045001', name: '墨池居民' },
      ])
      .execute();
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the operations, signs in with a session cookie, and lists only the user’s scope', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/api/docs/`);
    await page.getByText('/api/auth/login').first().waitFor({ timeout: 20_000 });
    // The tags start folded (about 150 operations): open 人 and find the reveal operation in it.
    await page.locator('.opblock-tag', { hasText: 'persons' }).first().click();
    await page.getByText('/api/persons/{id}/reveal').first().waitFor({ timeout: 20_000 });

    // Sign in from the page itself, as Swagger UI's "Try it out" does: the browser keeps the cookie.
    const result = await page.evaluate(async () => {
      const login = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'grid_docs', password: 'test-Passw0rd' }),
      });
      const persons = (await (await fetch('/api/persons')).json()) as { items: { name: string }[] };
      return {
        status: login.status,
        cookieVisibleToScript: (
          globalThis as unknown as { document: { cookie: string } }
        ).document.cookie.includes('zhili_session'),
        persons,
      };
    });
    expect(result.status).toBe(200);
    expect(result.cookieVisibleToScript).toBe(false); // HttpOnly
    expect(result.persons.items.map((p) => p.name)).toEqual(['鼓楼居民']);
  });
});
