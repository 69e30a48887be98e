import zlib from 'node:zlib';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { type E2E, startE2E, submitStepForm } from './harness.ts';

announceBrowserSkip('web/e2e/matters.e2e.test.ts');

const PHONE = { width: 375, height: 812 };
/** Every wait is bounded: a step that does not happen fails the test instead of hanging it. */
const STEP = 15_000;
/** A change made in another browser reaches an open page over SSE; a little slack for the refetch. */
const LIVE = 20_000;

/** A small real PNG (the server types uploads from their bytes): a width×height square of one colour. */
function png(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  const row = Buffer.alloc(1 + width * 3); // filter byte 0, then pixels
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Waits until some element of `l` shows `text`. */
const waitText = (l: Locator, text: string | RegExp, timeout = STEP) =>
  l.filter({ hasText: text }).first().waitFor({ timeout });

/** Opens an action's form on the matter page, fills what it asks for, submits, and waits for it to close. */
async function act(
  page: Page,
  action: string,
  fields: Partial<Record<'note' | 'reason' | 'result', string>> = {},
) {
  await page.getByTestId(`action-${action}`).click();
  for (const [k, v] of Object.entries(fields)) await page.getByTestId(`action-field-${k}`).fill(v);
  await submitStepForm(page);
}

const status = (page: Page) => page.getByTestId('matter-status');

/** Nothing wider than the window: no sideways scrolling on a phone, no broken layout on a wide screen. */
async function fitsWidth(page: Page) {
  const { scroll, client } = await page.evaluate(() => {
    const d = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return { scroll: d.scrollWidth, client: d.clientWidth };
  });
  expect(scroll, `${page.url()} is ${scroll}px wide in a ${client}px window`).toBeLessThanOrEqual(client);
}

/** Opens the matter with this title from the queue the menu entry leads to, searching by the title. */
async function openFromQueue(page: Page, menuPath: string, title: string) {
  await page.goto(menuPath);
  await page.getByTestId('queue-search').locator('input').fill(title);
  await page.getByTestId('queue-search').locator('input').press('Enter');
  await page.getByRole('link', { name: title }).first().click({ timeout: STEP });
  await page.getByTestId('matter-title').filter({ hasText: title }).waitFor({ timeout: STEP });
}

describe.runIf(hasChromium)('matters in the browser: report, dispatch, handle, close', () => {
  let e2e: E2E;
  let grid: { page: Page; context: BrowserContext };
  let town: { page: Page; context: BrowserContext };
  let matterUrl = '';
  const title = `楼道堆放杂物堵塞消防通道（测试${Date.now().toString(36)}）`;
  const pageErrors: string[] = [];
  const watch = (page: Page, who: string) => {
    // Uncaught exceptions in the page fail the run; console noise (a 404 for an area outside the user's
    // scope is expected) does not.
    page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
    if (process.env.DEBUG_CONSOLE)
      page.on(
        'console',
        (m) =>
          ['warning', 'error'].includes(m.type()) &&
          console.log(`[${who}] ${m.type()}: ${m.text().slice(0, 300)}`),
      );
  };

  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('a grid worker on a phone reports a matter with a photo and finds it in 我的上报', async () => {
    grid = await e2e.newPage(PHONE);
    const { page } = grid;
    watch(page, 'grid');
    await page.goto(`${e2e.base}/login`);
    await page.getByTestId('login-submit').waitFor({ timeout: STEP });
    await e2e.shot(page, 'matters-login-phone');
    await e2e.login(page, 'grid.gulou');

    // The bottom bar of the phone layout leads to the form.
    await page.getByTestId('nav-report').click();
    await page.getByTestId('report-form').waitFor({ timeout: STEP });
    await page.getByTestId('report-title').fill(title);
    await page.getByLabel('类别').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '安全隐患' }).click();
    await page
      .getByLabel('详细描述')
      .fill('3号楼2单元楼道内堆放大量纸箱和旧家具，堵塞消防通道，存在火灾隐患。');
    // antd's radio buttons hide the input: the label is what a person taps.
    await page.getByText('紧急', { exact: true }).click();
    // The area defaults to the worker's village.
    await waitText(page.getByTestId('report-area'), '鼓楼社区');
    await page
      .getByTestId('file-picker')
      .locator('input[type=file]')
      .setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: png(64, 48, [37, 99, 235]) });
    await page.getByText('现场照片.png').waitFor({ timeout: STEP });
    // antd animates the new file into the list: let it settle before the screenshot.
    await page.waitForTimeout(500);
    await fitsWidth(page);
    await e2e.shot(page, 'matters-report-form-phone');

    await page.getByTestId('report-submit').click();
    await page.waitForURL(/\/matters\/\d+$/, { timeout: STEP });
    matterUrl = page.url();
    await page.getByTestId('matter-title').filter({ hasText: title }).waitFor({ timeout: STEP });
    await waitText(status(page), '待受理');
    await page.getByTestId('attachment').filter({ hasText: '现场照片.png' }).waitFor({ timeout: STEP });

    // 我的上报 lists it.
    await page.getByTestId('nav-mine').click();
    await waitText(page.getByTestId('queue-title'), '我的上报');
    const card = page.getByTestId('matter-card').filter({ hasText: title });
    await card.waitFor({ timeout: STEP });
    await fitsWidth(page);
    await e2e.shot(page, 'matters-queue-phone');

    // The worker opens it and leaves the page open (step 4 watches it change without a reload).
    await card.click();
    await page.getByTestId('matter-title').filter({ hasText: title }).waitFor({ timeout: STEP });
    await page.getByTestId('live').and(page.locator('[data-state=live]')).waitFor({ timeout: STEP });
    await page.evaluate(() => {
      (globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
  }, 90_000);

  it('the town centre finds it in the queue, accepts it and dispatches it to 住建局 at 鹿城区', async () => {
    town = await e2e.newPage({ width: 1920, height: 1080 });
    const { page } = town;
    watch(page, 'town');
    await page.goto(`${e2e.base}/login`);
    await page.getByTestId('login-submit').waitFor({ timeout: STEP });
    await e2e.shot(page, 'matters-login');
    await e2e.login(page, 'town.wuma');
    await page.goto(`${e2e.base}/matters`);
    await page.getByTestId('matter-table').waitFor({ timeout: STEP });
    await fitsWidth(page);
    await e2e.shot(page, 'matters-queue-desktop');
    // Keyset pages: forward with the cursor, back with the stack of cursors.
    const firstRow = await page.getByTestId('matter-link').first().textContent();
    await page.getByTestId('page-next').click();
    await page.getByText('第 2 页').waitFor({ timeout: STEP });
    await page
      .getByTestId('matter-link')
      .first()
      .filter({ hasNotText: firstRow ?? '' })
      .waitFor({ timeout: STEP });
    await page.getByTestId('page-prev').click();
    await page.getByText('第 1 页').waitFor({ timeout: STEP });
    await page
      .getByTestId('matter-link')
      .first()
      .filter({ hasText: firstRow ?? '' })
      .waitFor({ timeout: STEP });

    await openFromQueue(page, `${e2e.base}/matters`, title);
    await act(page, 'accept');
    await waitText(status(page), '待分派');

    await page.getByTestId('action-dispatch').click();
    await page.getByLabel('承办部门').fill('住建');
    await page.getByLabel('承办部门').press('Enter');
    await page.getByLabel('承办单位所在区域').fill('鹿城');
    await page.getByLabel('承办单位所在区域').press('Enter');
    await submitStepForm(page);
    await waitText(status(page), '待签收');
    await waitText(page.getByTestId('matter-assignee'), /住建局.*鹿城区/);
  }, 90_000);

  it('the housing clerk signs, handles and reports back; the town verifies and closes', async () => {
    const clerk = await e2e.newPage();
    watch(clerk.page, 'clerk');
    await e2e.login(clerk.page, 'clerk.housing');
    // 待办 of the clerk's unit: matters assigned to 住建局 at 鹿城区.
    await openFromQueue(clerk.page, `${e2e.base}/matters?view=todo`, title);
    await act(clerk.page, 'sign');
    await waitText(status(clerk.page), '处置中');
    await act(clerk.page, 'handle', { note: '已联系物业，当日清理楼道杂物。' });
    await waitText(clerk.page.getByTestId('timeline-note'), '已联系物业');
    await e2e.shot(clerk.page, 'matters-matter-midway');
    await act(clerk.page, 'feedback', { result: '杂物已全部清理，消防通道恢复畅通。' });
    await waitText(status(clerk.page), '待核查');
    await clerk.context.close();

    // The town's page was open the whole time: it shows the clerk's 反馈 by itself.
    const { page } = town;
    await waitText(status(page), '待核查', LIVE);
    await act(page, 'verify', { note: '现场核查，通道已畅通。' });
    await waitText(status(page), '待办结');
    await act(page, 'close');
    await waitText(status(page), '已办结');

    const steps = await page
      .getByTestId('timeline-entry')
      .evaluateAll((els: { getAttribute(name: string): string | null }[]) =>
        els.map((e) => e.getAttribute('data-action')),
      );
    expect(steps).toEqual([
      'create',
      'attach',
      'accept',
      'dispatch',
      'sign',
      'handle',
      'feedback',
      'verify',
      'close',
    ]);
    await e2e.shot(page, 'matters-matter-closed-desktop');

    await page.getByTestId('workflow-link').click();
    await page.waitForURL(/\/workflows\/event\?current=closed$/, { timeout: STEP });
    await page.getByTestId('workflow-transitions').waitFor({ timeout: STEP });
    await page
      .getByTestId('workflow-diagram')
      .and(page.locator('[data-ready=true]'))
      .waitFor({ timeout: 30_000 });
    await fitsWidth(page);
    await e2e.shot(page, 'matters-workflow');
  }, 120_000);

  it('the grid worker’s open page shows 已办结 without a reload (live events)', async () => {
    const { page } = grid;
    await waitText(status(page), '已办结', LIVE);
    expect(page.url()).toBe(matterUrl);
    // The same document as in step 1: nothing reloaded it.
    expect(
      await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true);
    await fitsWidth(page);
    await e2e.shot(page, 'matters-matter-closed-phone');
  }, 60_000);

  it('a grid worker cannot open another village’s matter by its address', async () => {
    const other = await e2e.t.kernel.db
      .selectFrom('matters')
      .select('id')
      .where('area_code', 'like', '330302006045%') // 墨池社区
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const page = await grid.context.newPage();
    watch(page, 'grid (other village)');
    await page.goto(`${e2e.base}/matters/${other.id}`);
    await page.getByTestId('forbidden').waitFor({ timeout: STEP });
    expect(await page.getByTestId('matter-title').count()).toBe(0);
    await page.close();
  }, 60_000);

  it('the statistics page counts the town’s matters, per village', async () => {
    const { page } = town;
    await page.goto(`${e2e.base}/stats`);
    const table = page.getByTestId('stats-children');
    await waitText(table, '鼓楼社区');
    await waitText(page.getByTestId('stats-by-status'), '已办结');
    await fitsWidth(page);
    await e2e.shot(page, 'matters-stats');
  }, 60_000);

  it('switches to English and back', async () => {
    const { page } = town;
    await page.goto(`${e2e.base}/matters`);
    await waitText(page.getByTestId('menu-todo'), '待办');
    await page.getByTestId('lang-switch').click();
    await waitText(page.getByTestId('menu-todo'), 'To do');
    await waitText(page.getByTestId('queue-title'), 'Matters');
    await page.getByTestId('lang-switch').click();
    await waitText(page.getByTestId('menu-todo'), '待办');
    await waitText(page.getByTestId('queue-title'), '事项队列');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
