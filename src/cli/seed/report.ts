import type { DbOrTx } from '../../core/db/database.ts';
import { rdb } from '../../modules/report/report.tables.ts';
import { mulberry32 } from '../../shared/random.ts';
import { DEMO_REFERENCE_DATE } from './matters.ts';

/**
 * Demo statistics for 平安报表 and 数说五年: monthly figures per district for the five complete years before the
 * reference date and the months of its own year so far, as the departments would import them (one batch,
 * "row numbers" in file order). City totals follow the trends the interview reports for 十四五 — from the first
 * year to the last: homicides −28.9 % and their deaths −30 %, fraud −49.69 % with 7.2 亿元 recovered over the
 * five years, work-safety accidents −53.5 % and deaths −48.8 %, road accidents and deaths each down over 43 %,
 * and no fatal accident at sea — while each district and month carries noise. Deterministic for a seed.
 */

const CITY = '330300000000';

interface Trend {
  code: string;
  /** City total in the first year, and the change to the last year (a fraction). */
  first: number;
  change: number;
  /** Two decimals (an amount) or whole numbers. */
  decimals: 0 | 2;
  /** For an amount: the five years' total (first is then derived from it). */
  fiveYearTotal?: number;
}

const TRENDS: Trend[] = [
  { code: 'homicide_cases', first: 45, change: -0.289, decimals: 0 },
  { code: 'homicide_deaths', first: 50, change: -0.3, decimals: 0 },
  { code: 'fraud_cases', first: 18_000, change: -0.4969, decimals: 0 },
  // 万元: 7.2 亿元 over five years, rising as recovery improves.
  { code: 'fraud_recovered', first: 0, change: 0.6, decimals: 2, fiveYearTotal: 72_000 },
  { code: 'safety_accidents', first: 200, change: -0.535, decimals: 0 },
  { code: 'safety_deaths', first: 125, change: -0.488, decimals: 0 },
  { code: 'traffic_accidents', first: 3_000, change: -0.435, decimals: 0 },
  { code: 'traffic_deaths', first: 420, change: -0.435, decimals: 0 },
  { code: 'sea_fishing_deaths', first: 0, change: 0, decimals: 0 },
];

const DEPARTMENTS: Record<string, string> = {
  homicide_cases: '市公安局',
  homicide_deaths: '市公安局',
  fraud_cases: '市公安局反诈中心',
  fraud_recovered: '市公安局反诈中心',
  safety_accidents: '市应急管理局',
  safety_deaths: '市应急管理局',
  traffic_accidents: '市公安局交通警察支队',
  traffic_deaths: '市公安局交通警察支队',
  sea_fishing_deaths: '市海洋与渔业局',
};

/** Splits an integer total into parts proportional to weights, summing exactly (largest remainder). */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (sum === 0 ? 0 : (total * w) / sum));
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k]![1]]! += 1;
  return out;
}

/** The city total of each year: geometric from the first year to the last; amounts scaled to their total. */
export function yearTotals(tr: Trend, years: number): number[] {
  const ratio = years > 1 ? (1 + tr.change) ** (1 / (years - 1)) : 1;
  const shape = Array.from({ length: years }, (_, i) => ratio ** i);
  const scale =
    tr.fiveYearTotal !== undefined ? tr.fiveYearTotal / shape.reduce((a, b) => a + b, 0) : tr.first;
  const unit = tr.decimals === 2 ? 100 : 1;
  const totals = shape.map((s) => Math.round(s * scale * unit));
  if (tr.fiveYearTotal !== undefined) {
    // Cents that add up to the total exactly.
    totals[totals.length - 1]! += Math.round(tr.fiveYearTotal * unit) - totals.reduce((a, b) => a + b, 0);
  } else {
    // First and last years exact, so the change is the interview's to the tenth of a percent.
    totals[0] = Math.round(tr.first * unit);
    totals[totals.length - 1] = Math.round(tr.first * (1 + tr.change) * unit);
  }
  return totals;
}

export async function seedReportDemo(
  tx: DbOrTx,
  areas: { code: string; parentCode: string | null; level: number }[],
  opts: { seed?: number | undefined; referenceDate?: Date | undefined; years: number },
): Promise<{ rows: number }> {
  if (opts.years <= 0) return { rows: 0 };
  const rnd = mulberry32((opts.seed ?? 20261129) ^ 0x5e907);
  const ref = new Date((opts.referenceDate ?? DEMO_REFERENCE_DATE).getTime() + 8 * 3_600_000);
  const refYear = ref.getUTCFullYear();
  const monthsThisYear = ref.getUTCMonth(); // complete months of the reference year
  const firstYear = refYear - opts.years;
  const districts = areas.filter((a) => a.level === 2 && a.parentCode === CITY).map((a) => a.code);
  if (districts.length === 0) return { rows: 0 };
  // A district's share: its size in the city (stable over the years), with its own yearly noise.
  const base = districts.map(() => 0.5 + rnd());

  const r = rdb(tx);
  const batch = await r
    .insertInto('report_batches')
    .values({
      filename: '演示数据-部门统计月报.xlsx',
      sha256: '0'.repeat(64),
      format: 'xlsx',
      encoding: null,
      area_code: CITY,
      imported_by: null,
      imported_by_name: '演示数据',
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  type Row = {
    indicator: string;
    area_code: string;
    month: string;
    value: number;
    source_department: string;
    batch_id: string;
    row_no: number;
  };
  const rows: Row[] = [];
  const push = (code: string, area: string, year: number, month: number, units: number, unit: number) =>
    rows.push({
      indicator: code,
      area_code: area,
      month: `${year}-${String(month).padStart(2, '0')}-01`,
      value: units / unit,
      source_department: DEPARTMENTS[code]!,
      batch_id: batch.id,
      row_no: rows.length + 2,
    });

  for (const tr of TRENDS) {
    const unit = tr.decimals === 2 ? 100 : 1;
    const totals = yearTotals(tr, opts.years);
    // The reference year so far continues the trend for its complete months.
    const last = totals[totals.length - 1]!;
    const ratio = opts.years > 1 ? last / Math.max(1, totals[totals.length - 2]!) : 1;
    const current = Math.round(((last * Math.min(ratio, 1.05)) / 12) * monthsThisYear);
    const all = [...totals, current];
    all.forEach((total, yi) => {
      const year = firstYear + yi;
      const months = year === refYear ? monthsThisYear : 12;
      if (months === 0) return;
      const perDistrict = allocate(
        total,
        base.map((b) => b * (0.85 + 0.3 * rnd())),
      );
      districts.forEach((area, di) => {
        const perMonth = allocate(
          perDistrict[di]!,
          Array.from({ length: months }, () => 0.7 + 0.6 * rnd()),
        );
        perMonth.forEach((v, mi) => {
          push(tr.code, area, year, mi + 1, v, unit);
        });
      });
    });
  }
  for (let i = 0; i < rows.length; i += 2000) {
    await r
      .insertInto('report_stats')
      .values(rows.slice(i, i + 2000))
      .execute();
  }
  await r
    .updateTable('report_batches')
    .set({ rows_total: rows.length, rows_inserted: rows.length })
    .where('id', '=', batch.id)
    .execute();
  return { rows: rows.length };
}
