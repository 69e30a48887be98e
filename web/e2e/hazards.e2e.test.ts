import zlib from 'node:zlib';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { chooseOption, type E2E, startE2E, submitStepForm } from './harness.ts';

announceBrowserSkip('web/e2e/hazards.e2e.test.ts');

const PHONE = { width: 375, height: 812 };
/** Every wait is bounded: a step that does not happen fails the test instead of hanging it. */
const STEP = 15_000;
const WRITE = 30_000;
const GULOU = '330302006044';

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
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const waitText = (l: Locator, text: string | RegExp, timeout = STEP) =>
  l.filter({ hasText: text }).first().waitFor({ timeout });

/** Opens an action's form on the hazard page, fills what it asks for, submits, and waits for it to close. */
async function act(page: Page, action: string, fields: Partial<Record<'reason' | 'result', string>> = {}) {
  await page.getByTestId(`action-${action}`).click();
  for (const [k, v] of Object.entries(fields)) await page.getByTestId(`action-field-${k}`).fill(v);
  await submitAction(page);
}

const submitAction = (page: Page) => submitStepForm(page, WRITE);

const status = (page: Page) => page.getByTestId('hazard-status');

/**
 * 问题隐患 in Chromium against the real server: the 鼓楼 grid worker reports a major fire hazard on a phone with
 * a photo (the 30-minute clock starts); the 五马 centre assigns it to 鹿城区住建局; the bureau's clerk signs
 * for it, adds an after-photo and asks for inspection; the centre passes it and writes it off (销号); the KPI
 * page shows 鼓楼社区's major hazards 100% rectified.
 */
describe.runIf(hasChromium)('问题隐患 in the browser: 发现 to 销号, then the KPI', () => {
  let e2e: E2E;
  const pageErrors: string[] = [];
  let url = '';
  const title = '鼓楼社区3幢楼道电动车飞线充电';

  const open = async (username: string, viewport?: { width: number; height: number }) => {
    const s = await e2e.newPage(viewport);
    s.page.on('pageerror', (e) => pageErrors.push(`${username}: ${e.message}`));
    await e2e.login(s.page, username);
    return s;
  };

  beforeAll(async () => {
    e2e = await startE2E();
  }, 300_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('takes a hazard from 发现 to 销号 through the UI and sees the KPI', async () => {
    // 1. The grid worker reports it on a phone, with a photo of the scene.
    const grid = await open('grid.gulou', PHONE);
    let page = grid.page;
    await page.goto(`${e2e.base}/hazards/new`);
    await page.getByTestId('hazard-form').waitFor({ timeout: STEP });
    await page.getByTestId('hazard-title').fill(title);
    await page.getByLabel('类别').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '消防' }).click();
    // antd's radio buttons hide the input: the label is what a person taps.
    await page.locator('.ant-radio-button-wrapper', { hasText: '重大' }).click();
    await waitText(page.getByTestId('hazard-area'), '鼓楼社区');
    await page
      .getByTestId('hazard-photos')
      .locator('input[type=file]')
      .setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: png(64, 48, [220, 38, 38]) });
    await page.getByText('现场照片.png').waitFor({ timeout: STEP });
    await page.waitForTimeout(300);
    await e2e.shot(page, 'hazards-report-phone');
    await page.getByTestId('hazard-submit').click();
    await page.waitForURL(/\/hazards\/\d+$/, { timeout: WRITE });
    url = page.url();
    await waitText(status(page), '已上报');
    await page.locator('[data-testid="hazard-clock"][data-state="running"]').waitFor({ timeout: STEP });
    await page.locator('[data-testid="photos-before"][data-count="1"]').waitFor({ timeout: STEP });
    await grid.context.close();

    // 2. The town centre sees it in the list with its clock and assigns it to 鹿城区住建局.
    const town = await open('town.wuma');
    page = town.page;
    await page.goto(`${e2e.base}/hazards`);
    const row = page.getByTestId('hazard-row').filter({ hasText: title });
    await row.waitFor({ timeout: STEP });
    await row.getByTestId('hazard-clock').waitFor({ timeout: STEP });
    await e2e.shot(page, 'hazards-list');
    await row.getByTestId('hazard-link').click();
    await page.waitForURL(url, { timeout: STEP });
    await page.getByTestId('action-assign').click();
    const option = (text: string) =>
      page.locator('.ant-select-item-option').filter({ hasText: text }).first();
    const department = page.getByTestId('action-department');
    // Chosen when the select shows it and no longer its placeholder (which names 住建局 as an example).
    await chooseOption(
      page,
      department,
      option('住建局'),
      department.filter({ hasText: '住建局', hasNotText: '如：' }),
    );
    const area = page.getByTestId('action-area');
    await chooseOption(page, area, option('鹿城区'), area.filter({ hasText: '鹿城区' }));
    await submitAction(page);
    await waitText(status(page), '已交办');

    // 3. The bureau's clerk signs for it, adds an after-photo and asks for inspection.
    const clerk = await open('clerk.housing');
    await clerk.page.goto(url);
    await act(clerk.page, 'sign');
    await waitText(status(clerk.page), '整改中');
    await clerk.page
      .getByTestId('hazard-photo-picker')
      .locator('input[type=file]')
      .setInputFiles({ name: '整改后.png', mimeType: 'image/png', buffer: png(64, 48, [22, 163, 74]) });
    await clerk.page.getByTestId('hazard-photo-upload').click();
    await clerk.page.locator('[data-testid="photos-after"][data-count="1"]').waitFor({ timeout: WRITE });
    await act(clerk.page, 'submit', { result: '已拆除飞线，小区增设集中充电桩 12 个' });
    await waitText(status(clerk.page), '待验收');
    await clerk.context.close();

    // 4. The centre passes the inspection and writes it off.
    await page.reload();
    await waitText(status(page), '待验收');
    await page.getByTestId('photos-show').click();
    await page.locator('[data-testid="photos-after"] img').first().waitFor({ timeout: STEP });
    await e2e.shot(page, 'hazards-detail-checking');
    await act(page, 'pass');
    await waitText(status(page), '已验收');
    await act(page, 'close');
    await waitText(status(page), '已销号');
    expect(await status(page).getAttribute('data-status')).toBe('closed');
    const id = url.split('/').at(-1)!;
    const row2 = await e2e.t.kernel.db
      .selectFrom('matters')
      .select(['status', 'closed'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row2).toEqual({ status: 'closed', closed: true });

    // 5. The KPI page: 鼓楼社区's major hazards this year, all written off.
    await page.goto(`${e2e.base}/hazards/kpi`);
    const gulou = page.locator(`[data-testid="kpi-row"][data-area="${GULOU}"]`);
    await gulou.waitFor({ timeout: STEP });
    await waitText(gulou.getByTestId('kpi-rate'), '100.0%');
    await e2e.shot(page, 'hazards-kpi');
    expect(pageErrors).toEqual([]);
  }, 240_000);
});
