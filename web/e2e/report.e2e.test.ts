import fs from 'node:fs';
import ExcelJS from 'exceljs';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rdb } from '../../src/modules/report/report.tables.ts';
import { announceBrowserSkip, hasChromium } from '../../src/testing/browser.ts';
import { type E2E, startE2E } from './harness.ts';

announceBrowserSkip('web/e2e/report.e2e.test.ts');

const STEP = 30_000;
/** The exports compute five years and draw six charts on the server: slower than a page under CI load. */
const DOWNLOAD = 120_000;
const LUCHENG = '330302000000';

/**
 * 平安报表 in Chromium against the real server and the demo seed with five years of statistics: the county
 * centre of 鹿城 opens the report (its own area, this year), switches to a quarter and to a year with no data
 * (无数据, not 0), opens the records behind an imported figure (file, row, who imported) and behind a platform
 * one (a link to the court's page), then 数说五年 with its charts, and downloads it as PDF and Excel.
 */
describe.runIf(hasChromium)('平安报表 in the browser: periods, drill-downs, 数说五年 and its exports', () => {
  let e2e: E2E;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    e2e = await startE2E({ reportYears: 5 });
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await e2e?.close();
  });

  it('the report: change the period, 无数据 for an empty year, drill down to imported rows and to a court', async () => {
    const { page, context } = await e2e.newPage();
    contexts.push(context);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await e2e.login(page, 'county.lucheng');
    await page.getByTestId('menu-safety-report').click();
    await page.waitForURL(/\/report$/);
    const heading = page.getByTestId('report-heading');
    await heading.waitFor({ timeout: STEP });
    expect(await heading.textContent()).toContain('鹿城区');
    const homicide = page.getByTestId('value-homicide_cases');
    await homicide.waitFor();
    expect(await homicide.textContent()).toMatch(/^\d+$/);

    // A quarter: the default is the last complete one.
    await page.locator('.ant-segmented-item', { hasText: '季' }).click();
    await page.waitForURL(/period=\d{4}-Q[1-4]/);
    const quarter = new URL(page.url()).searchParams.get('period')!;
    await expect.poll(() => heading.textContent(), { timeout: STEP }).toContain(`第${quarter.slice(-1)}季度`);
    const from = quarter.slice(0, 4);
    const q = Number(quarter.slice(-1));
    const months = [1, 2, 3].map((m) => `${from}-${String((q - 1) * 3 + m).padStart(2, '0')}-01`);
    const expected = await rdb(e2e.t.kernel.db)
      .selectFrom('report_stats')
      .select((e) => e.fn.sum<string>('value').as('v'))
      .where('indicator', '=', 'homicide_cases')
      .where('area_code', 'like', '330302%')
      .where('month', 'in', months)
      .executeTakeFirstOrThrow();
    await expect.poll(() => homicide.textContent(), { timeout: STEP }).toBe(String(Number(expected.v)));

    // A year before the statistics began: 无数据, never 0.
    await page.goto(`${e2e.base}/report?period=2018`);
    await page.getByTestId('report-heading').waitFor();
    await expect.poll(() => heading.textContent(), { timeout: STEP }).toContain('2018年');
    expect(await page.getByTestId('value-homicide_cases').textContent()).toBe('无数据');
    expect(await page.getByTestId('value-dispute_resolution').textContent()).toBe('无数据');
    await e2e.shot(page, 'report-no-data');

    // The records behind an imported figure: this year's rows, with the file, row and importer.
    await page.goto(`${e2e.base}/report?period=${quarter}`);
    await page.getByTestId('value-homicide_cases').click();
    const drawer = page.getByTestId('drill-drawer');
    await drawer.waitFor({ timeout: STEP });
    await page.getByTestId('drill-total').waitFor();
    const districtsRows = await rdb(e2e.t.kernel.db)
      .selectFrom('report_stats')
      .select((e) => e.fn.countAll<string>().as('n'))
      .where('indicator', '=', 'homicide_cases')
      .where('area_code', 'like', '330302%')
      .where('month', 'in', months)
      .executeTakeFirstOrThrow();
    expect(await page.getByTestId('drill-total').textContent()).toBe(String(Number(districtsRows.n)));
    expect(await drawer.textContent()).toContain('演示数据-部门统计月报.xlsx');
    await e2e.shot(page, 'report-drill-imported');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });

    // A platform figure: this year's shared courts (as registered now), each linking to its page.
    await page.goto(`${e2e.base}/report`);
    await page.getByTestId('value-courts').click();
    await page.getByTestId('drill-link').first().waitFor({ timeout: STEP });
    const courts = await page.getByTestId('drill-total').textContent();
    expect(Number(courts)).toBeGreaterThan(0);
    expect(Number(courts)).toBe(Number(await page.getByTestId('value-courts').textContent()));
    await page.getByTestId('drill-link').first().click();
    await page.waitForURL(/\/courts\/\d+$/);
  }, 240_000);

  it('数说五年: headline figures and charts, downloaded as PDF and as Excel with its charts', async () => {
    const { page, context } = await e2e.newPage();
    contexts.push(context);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await e2e.login(page, 'county.lucheng');
    await page.goto(`${e2e.base}/report`);
    await page.getByRole('button', { name: /数说五年/ }).click();
    await page.waitForURL(/\/report\/five-years/);
    const headlines = page.getByTestId('five-headlines');
    await headlines.waitFor({ timeout: STEP });
    expect(await headlines.textContent()).toContain('命案数');
    await page.getByTestId('chart-homicide').locator('canvas').first().waitFor({ timeout: STEP });
    expect(await page.getByTestId('card-sea_fishing_deaths').textContent()).toContain('0');
    await e2e.shot(page, 'report-five-years');

    const [pdf] = await Promise.all([
      page.waitForEvent('download', { timeout: DOWNLOAD }),
      page.getByTestId('five-pdf').click(),
    ]);
    expect(pdf.suggestedFilename()).toMatch(/^数说五年-鹿城区-\d{4}-\d{4}\.pdf$/);
    const pdfBytes = fs.readFileSync(await pdf.path());
    expect(pdfBytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfBytes.length).toBeGreaterThan(50_000);

    const [xlsx] = await Promise.all([
      page.waitForEvent('download', { timeout: DOWNLOAD }),
      page.getByTestId('five-xlsx').click(),
    ]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(fs.readFileSync(await xlsx.path()) as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('数说五年')!;
    const names: unknown[] = [];
    sheet.eachRow((r) => names.push(r.getCell(1).value));
    expect(names).toContain('命案数');
    expect(wb.getWorksheet('趋势图')!.getImages().length).toBeGreaterThanOrEqual(6);
    expect(String(sheet.getCell('A1').value)).toContain('鹿城区');
    const audited = await e2e.t.kernel.db
      .selectFrom('audit_log')
      .select('entity_id')
      .where('action', '=', 'report.export')
      .where('area_code', '=', LUCHENG)
      .execute();
    expect(audited.map((a) => a.entity_id).sort()).toEqual(['five-years.pdf', 'five-years.xlsx']);
  }, 240_000);
});
