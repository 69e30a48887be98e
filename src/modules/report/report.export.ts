import fs from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import ExcelJS from 'exceljs';
import { PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import type { Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { safeCell } from '../../core/files/xlsx-safe.ts';
import type { Figure } from './indicators.ts';
import type { Drill, FiveYearSeries, FiveYears, Report } from './report.service.ts';

/**
 * Exports of 平安报表 and 数说五年. The charts are drawn on the server with ECharts' SSR renderer (SVG, no
 * DOM), turned into PNG by resvg with Noto Sans SC (from the npm package @expo-google-fonts/noto-sans-sc, read
 * from disk) so that Chinese renders, then placed in a PDF (pdf-lib, the font embedded as a subset) or an
 * Excel workbook (exceljs images). Every export is audited.
 */

const require = createRequire(import.meta.url);
const FONT_PATH = require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');
let fontBytes: Buffer | null = null;
const font = () => {
  fontBytes ??= fs.readFileSync(FONT_PATH);
  return fontBytes;
};

// ---------------------------------------------------------------------------------------------------------
// The charts of 数说五年: declared once, drawn by the console (ECharts in the browser) and here.

export interface ChartGroup {
  key: string;
  title: { zh: string; en: string };
  series: { code: string; type: 'bar' | 'line'; axis: 0 | 1 }[];
}

export const CHART_GROUPS: ChartGroup[] = [
  {
    key: 'homicide',
    title: { zh: '命案数与亡人数', en: 'Homicides and deaths' },
    series: [
      { code: 'homicide_cases', type: 'bar', axis: 0 },
      { code: 'homicide_deaths', type: 'bar', axis: 0 },
    ],
  },
  {
    key: 'fraud',
    title: { zh: '电信网络诈骗发案数与追赃挽损（万元）', en: 'Fraud cases and money recovered (10k CNY)' },
    series: [
      { code: 'fraud_cases', type: 'bar', axis: 0 },
      { code: 'fraud_recovered', type: 'line', axis: 1 },
    ],
  },
  {
    key: 'safety',
    title: { zh: '安全生产事故数与亡人数', en: 'Work safety accidents and deaths' },
    series: [
      { code: 'safety_accidents', type: 'bar', axis: 0 },
      { code: 'safety_deaths', type: 'bar', axis: 0 },
    ],
  },
  {
    key: 'traffic',
    title: { zh: '道路交通事故数与死亡人数', en: 'Road traffic accidents and deaths' },
    series: [
      { code: 'traffic_accidents', type: 'bar', axis: 0 },
      { code: 'traffic_deaths', type: 'line', axis: 1 },
    ],
  },
  {
    key: 'rates',
    title: {
      zh: '化解率、重大隐患整改完成率、入格率（%）',
      en: 'Resolution, rectification and check-in rates (%)',
    },
    series: [
      { code: 'dispute_resolution', type: 'line', axis: 0 },
      { code: 'hazard_major_rectification', type: 'line', axis: 0 },
      { code: 'grid_checkin', type: 'line', axis: 0 },
    ],
  },
  {
    key: 'sea',
    title: { zh: '涉海涉渔亡人事故数', en: 'Fatal sea and fishing accidents' },
    series: [{ code: 'sea_fishing_deaths', type: 'bar', axis: 0 }],
  },
];

const COLOURS = ['#1d4ed8', '#dc2626', '#059669', '#d97706', '#7c3aed'];

/** The ECharts option of one chart group (plain JSON: the console builds the same from the API's answer). */
export function chartOption(group: ChartGroup, data: FiveYears) {
  const byCode = new Map(data.items.map((i) => [i.code, i]));
  const two = group.series.some((s) => s.axis === 1);
  return {
    animation: false,
    color: COLOURS,
    textStyle: { fontFamily: 'Noto Sans SC' },
    title: { text: group.title.zh, left: 'center', textStyle: { fontSize: 15 } },
    legend: { bottom: 0 },
    grid: { left: 56, right: two ? 64 : 24, top: 44, bottom: 48 },
    xAxis: { type: 'category', data: data.years.map(String) },
    yAxis: two ? [{ type: 'value' }, { type: 'value' }] : [{ type: 'value' }],
    series: group.series.map((s) => {
      const item = byCode.get(s.code);
      return {
        type: s.type,
        name: item?.name.zh ?? s.code,
        yAxisIndex: s.axis,
        data: (item?.years ?? []).map((y) => y.value),
        label: { show: true, position: 'top', fontSize: 10 },
        connectNulls: false,
      };
    }),
  };
}

export interface ChartImage {
  key: string;
  title: string;
  png: Buffer;
  width: number;
  height: number;
}

/** Draws every chart group to PNG (ECharts SSR → SVG → resvg). */
export async function renderCharts(data: FiveYears, width = 760, height = 340): Promise<ChartImage[]> {
  // Loaded on first use: the charts library is only needed by these exports.
  const echarts = await import('echarts');
  const { Resvg } = await import('@resvg/resvg-js');
  const out: ChartImage[] = [];
  for (const g of CHART_GROUPS) {
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
    chart.setOption(chartOption(g, data) as Parameters<typeof chart.setOption>[0]);
    const svg = chart.renderToSVGString();
    chart.dispose();
    const png = new Resvg(svg, {
      font: { fontFiles: [FONT_PATH], loadSystemFonts: false, defaultFontFamily: 'Noto Sans SC' },
      fitTo: { mode: 'zoom', value: 2 },
      background: '#ffffff',
    })
      .render()
      .asPng();
    out.push({ key: g.key, title: g.title.zh, png: Buffer.from(png), width, height });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

/** A value as the page shows it: 无数据 when null; a rate with %. */
export function fmt(kind: string, v: number | null, unit = ''): string {
  if (v === null) return '无数据';
  if (kind === 'rate') return `${v}%`;
  return `${v.toLocaleString('zh-CN')}${unit && unit !== '%' ? ` ${unit}` : ''}`;
}

export function fmtChange(v: number | null, unit: 'pp' | '%'): string {
  if (v === null) return '—';
  const sign = v > 0 ? '+' : '';
  return unit === 'pp' ? `${sign}${v} 个百分点` : `${sign}${v}%`;
}

/** A headline sentence of 数说五年 for one indicator. */
export function headline(i: FiveYearSeries): string {
  const total = fmt(i.kind, i.total.value, i.unit.zh);
  const first = i.years.find((y) => y.value !== null);
  const last = [...i.years].reverse().find((y) => y.value !== null);
  if (i.change === null || !first || !last) return `${i.name.zh}：${total}`;
  const word = i.change < 0 ? '下降' : i.change > 0 ? '上升' : '持平';
  const amount = i.changeUnit === 'pp' ? `${Math.abs(i.change)} 个百分点` : `${Math.abs(i.change)}%`;
  return `${i.name.zh}：${total}（${last.year} 年较 ${first.year} 年${word}${i.change === 0 ? '' : amount}）`;
}

// ---------------------------------------------------------------------------------------------------------
// PDF

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;

class Writer {
  page: PDFPage;
  y: number;
  constructor(
    private doc: PDFDocument,
    private f: PDFFont,
  ) {
    this.page = doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
  ensure(h: number) {
    if (this.y - h < MARGIN) {
      this.page = this.doc.addPage(A4);
      this.y = A4[1] - MARGIN;
    }
  }
  text(text: string, size = 10, opts: { x?: number; center?: boolean; gap?: number; colour?: number } = {}) {
    const width = A4[0] - 2 * MARGIN - (opts.x ?? 0);
    const lines: string[] = [];
    let line = '';
    for (const ch of text) {
      if (this.f.widthOfTextAtSize(line + ch, size) > width) {
        lines.push(line);
        line = ch;
      } else line += ch;
    }
    lines.push(line);
    for (const l of lines) {
      this.ensure(size * 1.5);
      const w = this.f.widthOfTextAtSize(l, size);
      const x = opts.center ? (A4[0] - w) / 2 : MARGIN + (opts.x ?? 0);
      const c = opts.colour ?? 0;
      this.page.drawText(l, { x, y: this.y - size, size, font: this.f, color: rgb(c, c, c) });
      this.y -= size * 1.5;
    }
    this.y -= opts.gap ?? 2;
  }
  /** One table row: cells at fixed x offsets, one line each (cut to fit). */
  row(cells: string[], xs: number[], size = 9) {
    this.ensure(size * 1.6);
    cells.forEach((c, i) => {
      const room = (xs[i + 1] ?? A4[0] - 2 * MARGIN) - xs[i]! - 4;
      let s = c;
      while (s.length > 1 && this.f.widthOfTextAtSize(s, size) > room) s = s.slice(0, -1);
      this.page.drawText(s, {
        x: MARGIN + xs[i]!,
        y: this.y - size,
        size,
        font: this.f,
        color: rgb(0, 0, 0),
      });
    });
    this.y -= size * 1.6;
  }
  async image(png: Buffer, w: number, h: number) {
    this.ensure(h + 8);
    const img = await this.doc.embedPng(png);
    this.page.drawImage(img, { x: MARGIN, y: this.y - h, width: w, height: h });
    this.y -= h + 8;
  }
}

export async function fiveYearsPdf(
  data: FiveYears,
  charts: ChartImage[],
  now = new Date(),
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const f = await doc.embedFont(font(), { subset: true });
  doc.setTitle(`数说五年 ${data.area.name} ${data.period.label.zh}`);
  doc.setCreator('Zhili 治理');
  doc.setProducer('Zhili 治理 (pdf-lib, ECharts, resvg)');
  doc.setCreationDate(now);
  const w = new Writer(doc, f);
  w.text('数说五年', 20, { center: true, gap: 2 });
  w.text(`${data.area.name} · ${data.period.label.zh}`, 12, { center: true, gap: 2 });
  w.text(`生成时间 ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC · 数据来自平台与部门导入统计`, 8, {
    center: true,
    gap: 12,
    colour: 0.4,
  });
  w.text('要点', 13, { gap: 4 });
  for (const i of data.items) w.text(`■ ${headline(i)}`, 10, { x: 8, gap: 1 });
  w.y -= 8;
  w.text('逐年数据', 13, { gap: 4 });
  const xs = [0, 150, 210, 260, 310, 360, 410, 460];
  w.row(['指标', ...data.years.map(String), '五年', '变化'], xs, 9);
  for (const i of data.items) {
    w.row(
      [
        `${i.name.zh}（${i.unit.zh}）`,
        ...i.years.map((y) => fmt(i.kind, y.value)),
        fmt(i.kind, i.total.value),
        fmtChange(i.change, i.changeUnit),
      ],
      xs,
      8,
    );
  }
  w.y -= 8;
  w.text('趋势图', 13, { gap: 4 });
  const width = A4[0] - 2 * MARGIN;
  for (const c of charts) await w.image(c.png, width, (width * c.height) / c.width);
  w.y -= 4;
  w.text('口径说明', 13, { gap: 4 });
  for (const i of data.items) w.text(`${i.name.zh}：${i.definition.zh}`, 8, { x: 8, gap: 1, colour: 0.25 });
  return doc.save();
}

// ---------------------------------------------------------------------------------------------------------
// Excel

/**
 * One table sheet as every report export writes it: a bold title, lines under it (`notes`; an empty one
 * leaves a gap), the bold header (frozen with what is above it), the rows (cells made safe for Excel), and
 * the column widths.
 */
function tableSheet(
  wb: ExcelJS.Workbook,
  name: string,
  t: {
    title: string;
    notes: (string | number)[][];
    header: string[];
    rows: (string | number)[][];
    width: (column: number) => number;
  },
): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 2 + t.notes.length }] });
  ws.addRow([t.title]).font = { bold: true, size: 14 };
  for (const n of t.notes) ws.addRow(n);
  ws.addRow(t.header).font = { bold: true };
  for (const r of t.rows) ws.addRow(r.map(safeCell));
  ws.columns.forEach((c, n) => {
    c.width = t.width(n);
  });
  return ws;
}

function workbook(): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Zhili 治理';
  return wb;
}

const SOURCE_NAMES = { platform: '平台数据', imported: '导入统计' } as const;

export async function fiveYearsXlsx(data: FiveYears, charts: ChartImage[]): Promise<Buffer> {
  const wb = workbook();
  tableSheet(wb, '数说五年', {
    title: `数说五年 · ${data.area.name} · ${data.period.label.zh}`,
    notes: [[]],
    header: ['指标', '单位', ...data.years.map(String), '五年', '变化', '来源', '口径'],
    rows: data.items.map((i) => [
      i.name.zh,
      i.unit.zh,
      ...i.years.map(cellOf),
      cellOf(i.total),
      fmtChange(i.change, i.changeUnit),
      SOURCE_NAMES[i.source],
      i.definition.zh,
    ]),
    width: (n) => (n === 0 ? 26 : n === data.years.length + 5 ? 80 : 12),
  });
  const cs = wb.addWorksheet('趋势图');
  let row = 0;
  for (const c of charts) {
    const id = wb.addImage({ buffer: c.png as unknown as ExcelJS.Buffer, extension: 'png' });
    cs.addImage(id, { tl: { col: 0, row }, ext: { width: c.width, height: c.height } });
    row += Math.ceil(c.height / 20) + 1;
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A figure in a cell: a number when there is one, 无数据 otherwise. */
const cellOf = (f: Figure) => (f.value === null ? '无数据' : f.value);

export async function reportXlsx(r: Report): Promise<Buffer> {
  const wb = workbook();
  tableSheet(wb, '平安报表', {
    title: `平安报表 · ${r.area.name} · ${r.period.label.zh}（同比：${r.lastYear.label.zh}）`,
    notes: [[]],
    header: ['指标', '单位', '本期', '分子', '分母/记录数', '去年同期', '同比', '方向', '来源', '口径'],
    rows: r.items.map((i) => [
      i.name.zh,
      i.unit.zh,
      cellOf(i),
      i.numerator ?? '',
      i.denominator ?? '',
      cellOf(i.lastYear),
      fmtChange(i.change, i.changeUnit),
      i.direction === 'up' ? '越高越好' : '越低越好',
      SOURCE_NAMES[i.source],
      i.definition.zh,
    ]),
    width: (n) => (n === 0 ? 26 : n === 9 ? 80 : 12),
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The records behind a figure (at most DRILL_EXPORT_MAX), with the figure and what the list is. */
export const DRILL_EXPORT_MAX = 5000;

export async function drillXlsx(d: Drill): Promise<Buffer> {
  const wb = workbook();
  tableSheet(wb, '记录', {
    title: `${d.indicator.name.zh} · ${d.area.name} · ${d.period.label.zh}`,
    notes: [
      [
        `指标值：${fmt(d.indicator.kind, d.figure.value, d.indicator.unit.zh)}`,
        `记录数：${d.total}`,
        d.total > d.items.length ? `仅导出前 ${d.items.length} 条` : '',
      ],
      [`列出的是：${d.indicator.drill.zh}`],
    ],
    header: [
      '记录',
      '区域代码',
      '时间',
      '状态',
      '值',
      '已入格',
      '来源部门',
      '文件',
      '行号',
      '导入人',
      '链接',
    ],
    rows: d.items.map((i) => [
      i.label,
      i.areaCode,
      i.at ?? '',
      i.status ?? '',
      i.value ?? '',
      i.done ?? '',
      i.department ?? '',
      i.file ?? '',
      i.row ?? '',
      i.importedBy ?? '',
      i.link ?? '',
    ]),
    width: (n) => (n === 0 ? 40 : 14),
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function auditExport(
  tx: DbOrTx,
  actor: Actor,
  what: 'report.xlsx' | 'five-years.pdf' | 'five-years.xlsx' | `records.xlsx:${string}`,
  areaCode: string,
  period: string,
): Promise<void> {
  await audit(tx, actor, {
    action: 'report.export',
    entityType: 'report',
    entityId: what,
    areaCode,
    newValues: { format: what, areaCode, period },
  });
}
