import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD, type DemoSize, seedDemo } from '../../src/cli/seed/demo.ts';
import { readBuiltinAreas } from '../../src/core/areas/builtin.ts';
import { ensureWebBuild } from '../../src/server/web.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { createTestContext, type TestContext } from '../../src/testing/harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots of the main pages, for a reviewer to look at (git-ignored). */
export const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
/** ZHILI_E2E_SHOTS=0 takes no screenshots (CI does so: its clean clone is thrown away with them). */
const SHOTS_ON = process.env.ZHILI_E2E_SHOTS !== '0';
let shotsOffSaid = false;

/**
 * Saves a screenshot into SHOTS — the window as it is, or with `fullPage` the whole page (for which Chromium
 * resizes the window for a moment). A picture is for a reviewer, not a check: one that fails (a full-page
 * capture timed out once on a starved 2-core machine) is reported loudly and the test goes on.
 */
export async function picture(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  if (!SHOTS_ON) {
    if (!shotsOffSaid) console.warn('!!! e2e screenshots are OFF (ZHILI_E2E_SHOTS=0): none saved !!!');
    shotsOffSaid = true;
    return;
  }
  try {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: opts.fullPage ?? false });
  } catch (e) {
    console.warn(`!!! e2e screenshot ${name}.png NOT saved: ${(e as Error).message.split('\n')[0]} !!!`);
  }
}

export interface E2E {
  t: TestContext;
  base: string;
  browser: Browser;
  /** A fresh browser context (own cookies), desktop 1440×900 unless a viewport is given. */
  newPage(viewport?: { width: number; height: number }): Promise<{ page: Page; context: BrowserContext }>;
  login(page: Page, username: string, password?: string): Promise<void>;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real server on a fresh database (the run's engine) holding the demo data (small), the built console,
 * and Debian's Chromium. Each test file starts its own.
 */
export async function startE2E(extra: Partial<DemoSize> = {}): Promise<E2E> {
  ensureWebBuild(); // normally done by the global setup already; a no-op when current
  const t = await createTestContext();
  await seedDemo(t.kernel.db, t.kernel.vault, await readBuiltinAreas(), {
    files: t.kernel.files,
    size: {
      cityHouses: 100,
      focusHousesPerGrid: 6,
      enterprises: 30,
      cameras: 10,
      hydrants: 5,
      vessels: 3,
      matters: 400,
      courts: 40,
      stations: 40,
      // The mediation demo brings its own disputes: only the files that look at mediation ask for it.
      ...extra,
    },
  });
  const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
  return {
    t,
    base,
    browser,
    newPage: async (viewport = { width: 1440, height: 900 }) => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      const page = await context.newPage();
      // Generous: on a 2-core CI machine the browser shares the CPU with the other test files.
      page.setDefaultTimeout(30_000);
      return { page, context };
    },
    login: async (page, username, password = DEMO_PASSWORD) => {
      await page.goto(`${base}/login`);
      await page.getByLabel(/用户名|Username/).fill(username);
      await page.getByLabel(/密码|Password/).fill(password);
      await page.getByTestId('login-submit').click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    },
    shot: (page, name) => picture(page, name, { fullPage: true }),
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/**
 * Chooses an option of an antd Select as a person would under load: a click can land while the option list is
 * still animating in and select nothing, or the list can close before the click lands, so open the select
 * (when its list is not showing) and click the option until `shown` (inside the select or its form item) shows
 * the choice — at most three tries — then wait for the list to close, so that it does not cover the next
 * button.
 */
export async function chooseOption(
  page: Page,
  select: Locator,
  option: Locator,
  shown: Locator,
  timeout = 15_000,
): Promise<void> {
  for (let attempt = 0; attempt < 3 && !(await shown.isVisible()); attempt++) {
    // The list can also close again by itself before the option is clicked (seen in CI under load): then the
    // click times out quickly and the next try opens it again.
    if (!(await option.isVisible())) await select.click();
    await option.waitFor({ timeout });
    await page.waitForTimeout(300);
    await option.click({ timeout: 5_000 }).catch(() => {});
    await shown.waitFor({ timeout: 5_000 }).catch(() => {});
  }
  await shown.waitFor({ timeout });
  await option.waitFor({ state: 'hidden', timeout });
}

/**
 * Clicks `button` until `shown` appears, at most three times: under load a click can land while a dialog is
 * still opening and be lost (seen in CI). Only for clicks whose repetition is harmless — a form refusing an
 * empty field, a client-side check — never for one that writes.
 */
export async function clickUntil(button: Locator, shown: Locator, timeout = 15_000): Promise<void> {
  for (let attempt = 0; attempt < 3 && !(await shown.isVisible()); attempt++) {
    await button.click();
    await shown.waitFor({ timeout: 5_000 }).catch(() => {});
  }
  await shown.waitFor({ timeout });
}

/**
 * Waits until the elements matching `selector` are shown and none of them is animating (a dialog's zoom, a
 * drawer's slide): a list opened or a click made during the animation can land where the element no longer
 * is. Bounded like every wait.
 */
export async function motionDone(page: Page, selector: string, timeout = 15_000): Promise<void> {
  await page.locator(`${selector}:visible`).first().waitFor({ timeout });
  await page.waitForFunction(
    (sel) => {
      type El = { getAnimations(o: { subtree: boolean }): unknown[]; getClientRects(): { length: number } };
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<El> } })
        .document;
      // Only those shown: a closed dialog antd keeps hidden in the page is not waited for.
      return Array.from(doc.querySelectorAll(sel))
        .filter((el) => el.getClientRects().length > 0)
        .every((el) => el.getAnimations({ subtree: true }).length === 0);
    },
    selector,
    { timeout },
  );
}

/**
 * Submits the open step form (ActionPanel's `action-form`) and waits for it to close. Its own submit button
 * is clicked — the loop's 申请验收 step is also called "submit" — and, when no step request went out within a
 * few seconds while the form is still open (a click that landed while the dialog was opening, seen in CI
 * under load), clicked once more; a sent step is never resent. A refusal fails at once with the form's
 * error; a form that stays open fails with what it shows and whether the step was sent.
 */
export async function submitStepForm(page: Page, timeout = 30_000): Promise<void> {
  const form = page.getByTestId('action-form');
  const button = form.getByTestId('action-submit');
  const isStep = (r: { url(): string; method(): string }) =>
    r.method() === 'POST' && /\/api\/matters\/\d+\/transitions$/.test(new URL(r.url()).pathname);
  let sent = false;
  for (let attempt = 0; attempt < 2 && !sent; attempt++) {
    const request = page.waitForRequest(isStep, { timeout: 5_000 }).then(
      () => true,
      () => false,
    );
    await button.click();
    sent = await request;
    if (!sent && !(await form.count())) sent = true; // closed without our seeing the request: done
  }
  const error = page.getByTestId('action-error');
  const deadline = Date.now() + timeout;
  while ((await form.count()) && Date.now() < deadline) {
    if (await error.count()) throw new Error(`the step was refused: ${await error.textContent()}`);
    await page.waitForTimeout(200);
  }
  if (await form.count()) {
    const shown = (await form.textContent().catch(() => null)) ?? '(gone)';
    throw new Error(
      `the action form stayed open (step ${sent ? 'sent' : 'never sent'}), showing: ${shown.replace(/\s+/g, ' ').slice(0, 500)}`,
    );
  }
}
