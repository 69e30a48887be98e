import fs from 'node:fs';
import dayjs from 'dayjs';
import { PDFDocument } from 'pdf-lib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { idCardCheckChar } from '../../src/core/subjects/codes.ts';
import { cstDate } from '../../src/core/workflow/deadlines.ts';
import { kdb } from '../../src/modules/court/court.tables.ts';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { chooseOption, type E2E, startE2E } from './harness.ts';

/** Today's date in China, where the console's calendar runs (this process's clock may be UTC). */
const chinaToday = () => dayjs(cstDate(new Date()));

announceBrowserSkip('web/e2e/mediation.e2e.test.ts');

const STEP = 15_000;
const WRITE = 30_000;
const id18 = (first17: string) => first17 + idCardCheckChar(first17);

/**
 * 一站式调解 in Chromium against the real server and the demo data: the village mediator opens their queue,
 * a case in 调解中, records a session, fills the agreement by keyboard — the server's field error (an ID number
 * with a wrong check character) shows at the field and nothing is saved — corrects it, and downloads the
 * agreement PDF (parsed back: a PDF with the embedded font). The KPI page shows the rates.
 */
describe.runIf(hasChromium)('一站式调解 in the browser: session, agreement, PDF', () => {
  let e2e: E2E;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let page: Page;

  beforeAll(async () => {
    e2e = await startE2E({ mediation: true });
    const s = await e2e.newPage();
    contexts.push(s.context);
    page = s.page;
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await e2e.login(page, 'mediator.gulou');
  }, 240_000);

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await e2e?.close();
  });

  it('a mediator records a session and the agreement, and downloads the PDF', async () => {
    await page.goto(`${e2e.base}/mediation?mine=true&status=mediating`);
    const row = page.getByTestId('case-row').first();
    await row.waitFor({ timeout: STEP });
    await row.getByTestId('case-link').click();
    await page.waitForURL(/\/mediation\/\d+$/);
    const caseId = page.url().split('/').pop()!;
    await page.getByTestId('case-status').filter({ hasText: '调解中' }).waitFor({ timeout: STEP });
    const sessionsBefore = await page.getByTestId('session').count();

    // 记录调解
    await page.getByTestId('action-session').click();
    await page.getByLabel('地点').fill('鼓楼社区调解室');
    await page.getByLabel(/参加人/).fill('当事人甲、当事人乙、陈主任');
    await page.getByLabel('调解记录', { exact: true }).fill('双方当面协商，同意以补偿方式了结。');
    await page.getByTestId('action-submit').click();
    await expect.poll(() => page.getByTestId('session').count(), { timeout: WRITE }).toBe(sessionsBefore + 1);

    // 达成协议, by keyboard where a keyboard user would use it.
    await page.getByTestId('action-agree').click();
    const good = [id18('33030219800101123'), id18('33030219851212456')];
    const parties = [
      {
        name: '张三',
        age: '46',
        id: `${good[0]!.slice(0, 17)}${good[0]!.endsWith('1') ? '2' : '1'}`,
        addr: '鼓楼社区1号',
      },
      { name: '李四', age: '41', id: good[1]!, addr: '鼓楼社区2号' },
    ];
    for (const [i, p] of parties.entries()) {
      await page.getByLabel('姓名').nth(i).fill(p.name);
      const gender = page.getByLabel('性别').nth(i);
      await gender.focus();
      await page.keyboard.press('ArrowDown');
      if (i === 1) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.getByLabel('年龄').nth(i).fill(p.age);
      await page.getByLabel('公民身份号码').nth(i).fill(p.id);
      await page.getByLabel('住址').nth(i).fill(p.addr);
    }
    await page.getByLabel('纠纷的主要事实').fill('双方因相邻通道堆放杂物发生争执。');
    await page.getByLabel('争议事项').fill('杂物清理及通行。');
    await page.getByLabel('各方当事人的责任').fill('被申请人负主要责任。');
    await page.getByLabel('协议内容').fill('被申请人于七日内清理杂物，并补偿申请人人民币伍佰元。');
    await page.getByLabel('履行方式').fill('现金支付，自行清理。');
    await page.getByTestId('agreement-deadline').fill('2026-12-31');
    await page.getByLabel('人民调解委员会', { exact: true }).fill('鼓楼社区人民调解委员会');
    for (const n of ['signedByParties', 'mediatorSigned', 'committeeSealed']) {
      await page.getByTestId(`agreement-${n}`).focus();
      await page.keyboard.press('Space');
    }
    await e2e.shot(page, 'mediation-agreement-form');
    await page.getByTestId('action-submit').click();
    // The server's check: the first party's ID number is wrong → shown at that field, nothing saved.
    await page
      .getByTestId('action-error')
      .filter({ hasText: /缺少必备事项/ })
      .waitFor({ timeout: WRITE });
    await page
      .locator('.ant-form-item-explain-error')
      .filter({ hasText: 'invalid' })
      .first()
      .waitFor({ timeout: STEP });
    const stillMediating = await e2e.t.kernel.db
      .selectFrom('matters')
      .select('status')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(stillMediating.status).toBe('mediating');
    await page.getByLabel('公民身份号码').nth(0).fill(good[0]!);
    await page.getByTestId('action-submit').click();
    await page.getByTestId('case-status').filter({ hasText: '已达成协议' }).waitFor({ timeout: WRITE });
    await page.getByTestId('agreement').waitFor();
    // Masked on the page.
    await expect
      .poll(() => page.getByTestId('agreement').textContent())
      .toContain(`${good[0]!.slice(0, 6)}********`);

    // The PDF: a reason first, then the download.
    await page.getByTestId('pdf-reason').fill('送达当事人');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('pdf-download').click(),
    ]);
    const file = await download.path();
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(bytes.length).toBeLessThan(1_000_000);
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(doc.getTitle()).toContain('人民调解协议书');

    // 司法确认: a slot at the village's shared court, booked in the same step.
    await page.getByTestId('action-apply_confirmation').click();
    const court = page.getByTestId('confirm-court');
    await chooseOption(
      page,
      court,
      page.locator('.ant-select-item-option').filter({ hasText: '鼓楼社区' }).first(),
      court.filter({ hasText: '鼓楼社区' }),
    );
    // The next weekday from tomorrow (the demo courts open Monday to Friday), in China time as the page sees it.
    let day = chinaToday().add(1, 'day');
    while (day.day() === 0 || day.day() === 6) day = day.add(1, 'day');
    const dayInput = page.getByLabel('日期', { exact: true });
    await dayInput.click();
    await dayInput.fill(day.format('YYYY-MM-DD'));
    await dayInput.press('Enter');
    // The slot field appears once the court and the day are chosen; its first free slot is taken.
    const slots = page.getByTestId('confirm-slot');
    await slots.waitFor({ timeout: STEP });
    await slots.click();
    const first = page.locator('.ant-select-item-option:visible').first();
    await first.waitFor({ timeout: STEP });
    const slotText = (await first.textContent()) ?? '';
    await chooseOption(
      page,
      slots,
      page.locator('.ant-select-item-option').filter({ hasText: slotText }).first(),
      slots.filter({ hasText: slotText }),
    );
    await e2e.shot(page, 'mediation-confirmation-form');
    await page.getByTestId('action-submit').click();
    await page.getByTestId('case-status').filter({ hasText: '司法确认申请中' }).waitFor({ timeout: WRITE });
    await expect
      .poll(() => page.getByTestId('confirmation-slot').textContent(), { timeout: STEP })
      .toBe(`${day.format('YYYY-MM-DD')} ${slotText.slice(0, 5)}`);
    const booking = await kdb(e2e.t.kernel.db)
      .selectFrom('court_bookings')
      .select(['kind', 'status'])
      .where('matter_id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(booking).toEqual({ kind: 'judicial_confirmation', status: 'booked' });
    await e2e.shot(page, 'mediation-case');
  }, 180_000);

  it('the KPI page shows the rates for a centre', async () => {
    const s = await e2e.newPage();
    contexts.push(s.context);
    s.page.on('pageerror', (e) => pageErrors.push(e.message));
    await e2e.login(s.page, 'town.wuma');
    await s.page.goto(`${e2e.base}/mediation/kpis`);
    await s.page.getByTestId('kpi-rate').filter({ hasText: '%' }).waitFor({ timeout: STEP });
    await e2e.shot(s.page, 'mediation-kpis');

    // The town's page: its two-100% rates and its 化解率, the same figures the owning modules answer.
    const WUMA = '330302006000';
    await s.page.goto(`${e2e.base}/areas/${WUMA}`);
    await s.page.getByTestId('area-name').filter({ hasText: '五马街道' }).waitFor({ timeout: STEP });
    // The page counts in China time (the browser runs in Asia/Shanghai); this process runs in UTC.
    const now = chinaToday();
    const month = now.startOf('month').format('YYYY-MM-DD');
    const year = now.startOf('year').format('YYYY-MM-DD');
    const today = now.format('YYYY-MM-DD');
    const api = async (url: string) => {
      const r = await s.page.request.get(`${e2e.base}${url}`);
      expect(r.status(), url).toBe(200);
      return r.json();
    };
    const shown = (v: number | null) => (v == null ? '无数据' : `${Math.round(v * 1000) / 10}%`);
    const grid = await api(`/api/grid/report?areaCode=${WUMA}&from=${month}&to=${today}`);
    const disputes = await api(`/api/disputes/analysis/resolution?areaCode=${WUMA}&from=${year}&to=${today}`);
    const kpis = await api(
      `/api/mediation/kpis?areaCode=${WUMA}&from=${year}&to=${now.add(1, 'day').format('YYYY-MM-DD')}`,
    );
    // Check-ins of the month exist, except in the first hours of a month's first day.
    if (today !== month) expect(grid.totals.leaderShare).not.toBeNull();
    const expected: Record<string, number | null> = {
      leader: grid.totals.leaderShare,
      instructor: grid.totals.instructorShare,
      dispute: disputes.total.rate,
      mediation: kpis.resolutionRate,
      village: kpis.villageShare,
      town: kpis.townShare,
    };
    for (const [k, v] of Object.entries(expected)) {
      const card = s.page.getByTestId(`area-kpi-${k}`).locator('.ant-statistic-content');
      await expect.poll(() => card.textContent(), { timeout: STEP }).toBe(shown(v));
    }
    await e2e.shot(s.page, 'area-town-kpis');
  }, 60_000);
});
