import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, chinaDay, isoWeekday } from '../../src/modules/court/court.shared.ts';
import { kdb } from '../../src/modules/court/court.tables.ts';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { type E2E, startE2E } from './harness.ts';

announceBrowserSkip('web/e2e/court.e2e.test.ts');

/** Every wait is bounded: a step that does not happen fails the test instead of hanging it. */
const STEP = 15_000;
const WRITE = 30_000;
const GULOU = '330302006044';

/**
 * 共享法庭 in Chromium against the real server: the 五马 mediator and the 五马 centre open the same day of the
 * 鼓楼社区 court's booking calendar; the mediator books 10:00 for a judicial confirmation and sees the slot
 * taken; the centre, whose page still shows it free, books it too and gets the clear SLOT_TAKEN message, after
 * which its calendar shows the slot taken. The visit records tab is closed to the mediator.
 */
describe.runIf(hasChromium)('共享法庭 in the browser: booking a slot, and the same slot twice', () => {
  let e2e: E2E;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let courtId = '';
  // A Monday three weeks or more ahead: open, and beyond the seeded bookings (the next 14 days).
  let day = addDays(chinaDay(new Date()), 21);
  while (isoWeekday(day) !== 1) day = addDays(day, 1);

  const open = async (username: string) => {
    const s = await e2e.newPage();
    contexts.push(s.context);
    s.page.on('pageerror', (e) => pageErrors.push(`${username}: ${e.message}`));
    await e2e.login(s.page, username);
    return s.page;
  };

  const openDay = async (page: Page) => {
    await page.goto(`${e2e.base}/courts/${courtId}?date=${day}`);
    await page.getByTestId('court-title').waitFor({ timeout: STEP });
    // Pick the day in the calendar itself (the month shown is the day's).
    await page.locator(`td[title="${day}"]`).click();
    await page.getByTestId('slots-date').filter({ hasText: day }).waitFor({ timeout: STEP });
    await page.getByTestId('slot-10:00').waitFor({ timeout: STEP });
  };

  const book = async (page: Page, title: string) => {
    await page.getByTestId('slot-10:00').click();
    await page.getByTestId('booking-title').fill(title);
    await page.getByTestId('booking-submit').click();
  };

  beforeAll(async () => {
    e2e = await startE2E();
    const c = await kdb(e2e.t.kernel.db)
      .selectFrom('court_courts')
      .select('id')
      .where('area_code', '=', GULOU)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    courtId = c.id;
  }, 300_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await e2e?.close();
  });

  it('books a slot in the calendar; a second booking of the same slot is refused clearly', async () => {
    const mediator = await open('mediator.wuma');
    const town = await open('town.wuma');
    await openDay(mediator);
    await openDay(town);
    expect(await town.getByTestId('slot-10:00').getAttribute('data-state')).toBe('free');

    await book(mediator, '鼓楼社区漏水纠纷调解协议司法确认');
    await mediator.locator('[data-testid="slot-10:00"][data-state="booked"]').waitFor({ timeout: WRITE });
    await e2e.shot(mediator, 'court-booked');

    // The centre's page was read before: the slot still looks free there.
    expect(await town.getByTestId('slot-10:00').getAttribute('data-state')).toBe('free');
    await book(town, '同一时段的另一个预约');
    const error = town.getByTestId('booking-error');
    await error.waitFor({ timeout: WRITE });
    expect(await error.getAttribute('data-code')).toBe('SLOT_TAKEN');
    expect(await error.textContent()).toContain('该时段');
    expect(await error.textContent()).toContain('已被预约');
    await e2e.shot(town, 'court-slot-taken');
    // The day is read again behind the dialog: the slot now shows as taken.
    await town
      .locator('.ant-modal-footer')
      .getByRole('button', { name: /取\s*消|Cancel/ })
      .click();
    await town.locator('[data-testid="slot-10:00"][data-state="booked"]').waitFor({ timeout: WRITE });

    const live = await kdb(e2e.t.kernel.db)
      .selectFrom('court_bookings')
      .select(['title', 'booked_by_name'])
      .where('court_id', '=', courtId)
      .where('status', '=', 'booked')
      .where('starts_at', '=', new Date(`${day}T10:00:00+08:00`))
      .execute();
    expect(live).toEqual([{ title: '鼓楼社区漏水纠纷调解协议司法确认', booked_by_name: '五马街道调解员' }]);

    // The stations' visit records are closed to the mediator.
    await mediator.goto(`${e2e.base}/psych?tab=visits`);
    await mediator.getByTestId('psych-restricted').waitFor({ timeout: STEP });
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
