import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CELL_CHARS, openParser, type ParsedFile, ParseError, type ParseOptions } from './parse.ts';
import type { RawRow } from './types.ts';

let dir: string;
let seq = 0;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-parse-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, `${++seq}-${name}`);
  fs.writeFileSync(p, content);
  return p;
}

async function collect(parsed: ParsedFile): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of parsed.rows) rows.push(row);
  return rows;
}

async function parseAll(p: string, opts?: ParseOptions) {
  const parsed = await openParser(p, opts);
  return { ...parsed, all: await collect(parsed) };
}

/** Resolves to the ParseError an operation fails with, or fails the test if it does not. */
async function parseError(work: Promise<unknown>): Promise<ParseError> {
  try {
    await work;
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
}

/** Rows read before the iterator failed, and how it failed. */
async function readUntilError(parsed: ParsedFile): Promise<{ rows: RawRow[]; error: ParseError }> {
  const rows: RawRow[] = [];
  const error = await parseError(
    (async () => {
      for await (const row of parsed.rows) rows.push(row);
    })(),
  );
  return { rows, error };
}

const LEDGER_HEADERS = ['案号', '姓名', '身份证号', '联系电话', '立案日期', '金额', '备注'];

describe('CSV', () => {
  it('reads UTF-8 with a BOM, CRLF, and quoted fields holding commas, quotes and line breaks', async () => {
    const text = [
      '案号,姓名,备注',
      '(2026)浙0302民初1号,张三,"欠款, 未还"',
      '(2026)浙0302民初2号,李四,"他说""还不上""',
      '第二行"',
      '(2026)浙0302民初3号,  王五  ,',
    ].join('\r\n');
    const p = file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${text}\r\n`)]));
    const { format, encoding, headers, all } = await parseAll(p, { expectedHeaders: ['案号', '姓名'] });
    expect(format).toBe('csv');
    expect(encoding).toBe('utf8');
    expect(headers).toEqual(['案号', '姓名', '备注']);
    expect(all).toEqual([
      { rowNo: 2, cells: { 案号: '(2026)浙0302民初1号', 姓名: '张三', 备注: '欠款, 未还' } },
      { rowNo: 3, cells: { 案号: '(2026)浙0302民初2号', 姓名: '李四', 备注: '他说"还不上"\r\n第二行' } },
      // The quoted line break keeps the record one Excel row, so the next record is row 4.
      { rowNo: 4, cells: { 案号: '(2026)浙0302民初3号', 姓名: '王五', 备注: null } },
    ]);
  });

  it('reads GBK and GB18030 (detected), skipping title rows and blank lines but counting them', async () => {
    const text = [
      '鹿城区人民法院诉讼纠纷台账（2026年10月）,,,',
      '统计日期：2026-10-31,,,',
      '案号,姓名,身份证号,备注',
      '',
      '(2026)浙0302民初1号,张䶮,330302199001011234,𠀀字在 GBK 里没有',
      ',,,',
      '(2026)浙0302民初2号,鹿城,330302199001015678,',
    ].join('\n');
    for (const enc of ['gbk', 'gb18030'] as const) {
      const body = enc === 'gbk' ? text.replace('䶮', '峰').replace('𠀀', '某') : text;
      const { encoding, headers, all } = await parseAll(file(`${enc}.csv`, iconv.encode(body, enc)), {
        expectedHeaders: LEDGER_HEADERS,
      });
      expect(encoding).toBe('gb18030');
      expect(headers).toEqual(['案号', '姓名', '身份证号', '备注']);
      expect(all.map((r) => r.rowNo)).toEqual([5, 7]);
      expect(all[0]!.cells.姓名).toBe(enc === 'gbk' ? '张峰' : '张䶮');
      expect(all[0]!.error).toBeUndefined();
      expect(all[1]!.cells).toEqual({
        案号: '(2026)浙0302民初2号',
        姓名: '鹿城',
        身份证号: '330302199001015678',
        备注: null,
      });
    }
  });

  it('takes the profile encoding when told, and the BOM over it', async () => {
    const gbk = iconv.encode('案号,姓名\n1,张三\n', 'gbk');
    const told = await parseAll(file('told.csv', gbk), { encoding: 'gb18030' });
    expect(told.all[0]!.cells.姓名).toBe('张三');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('案号,姓名\n1,张三\n')]);
    const overridden = await parseAll(file('bom-wins.csv', bom), { encoding: 'gb18030' });
    expect(overridden.encoding).toBe('utf8');
    expect(overridden.all[0]!.cells.姓名).toBe('张三');
  });

  it('reads Excel\'s "Unicode text" export: UTF-16LE with a BOM, tab-separated', async () => {
    const text = '案号\t姓名\t备注\r\n1\t张三\t有, 逗号\r\n';
    const p = file('utf16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const { encoding, headers, all } = await parseAll(p);
    expect(encoding).toBe('utf16le');
    expect(headers).toEqual(['案号', '姓名', '备注']);
    expect(all).toEqual([{ rowNo: 2, cells: { 案号: '1', 姓名: '张三', 备注: '有, 逗号' } }]);
  });

  it('rejects rows whose column count differs from the header and keeps going', async () => {
    const text = ['案号,姓名,金额,', '1,张三,100,', '2,李四,200,多出来', '3,王五', '4,赵六,400', ''].join(
      '\n',
    );
    const { headers, all } = await parseAll(file('columns.csv', text));
    // The header's empty trailing field is not a column; empty trailing fields in rows are harmless.
    expect(headers).toEqual(['案号', '姓名', '金额']);
    const columns = {
      code: 'ROW_COLUMNS',
      reason: '列数与表头不一致 / column count differs from the header',
    };
    expect(all).toEqual([
      { rowNo: 2, cells: { 案号: '1', 姓名: '张三', 金额: '100' } },
      { rowNo: 3, cells: { 案号: '2', 姓名: '李四', 金额: '200' }, error: columns },
      { rowNo: 4, cells: { 案号: '3', 姓名: '王五', 金额: null }, error: columns },
      { rowNo: 5, cells: { 案号: '4', 姓名: '赵六', 金额: '400' } },
    ]);
  });

  it('gives ROW_TRUNCATED to a last row cut inside a quote; earlier rows are fine', async () => {
    const text = '案号,姓名,备注\n1,张三,好\n2,李四,"未闭合的引号\n后面还有';
    const { all } = await parseAll(file('truncated.csv', text));
    expect(all).toHaveLength(2);
    expect(all[0]).toEqual({ rowNo: 2, cells: { 案号: '1', 姓名: '张三', 备注: '好' } });
    expect(all[1]!.rowNo).toBe(3);
    expect(all[1]!.error?.code).toBe('ROW_TRUNCATED');
  });

  it('bounds a 10 MB field: its row gets ROW_TOO_LONG, the rows after it are read', async () => {
    const huge = '长'.repeat(10 * 1024 * 1024);
    const p = file('huge.csv', `案号,备注\n1,"${huge}"\n2,正常\n3,${'x'.repeat(MAX_CELL_CHARS)}\n`);
    const { all } = await parseAll(p);
    expect(all.map((r) => [r.rowNo, r.error?.code])).toEqual([
      [2, 'ROW_TOO_LONG'],
      [3, undefined],
      [4, undefined],
    ]);
    expect((all[0]!.cells.备注 as string).length).toBeLessThanOrEqual(101);
    expect(all[1]!.cells.备注).toBe('正常');
    expect((all[2]!.cells.备注 as string).length).toBe(MAX_CELL_CHARS);
  });

  it('handles line breaks and quotes split across read chunks', async () => {
    // Text is read in 64 KB chunks; put each tricky pair of characters right across the first boundary.
    const header = 'a,b,c\n';
    const cases: { prefix: string; suffix: string; splitAt: number; cells: object }[] = [
      { prefix: 'x,"f', suffix: '",z\r\n', splitAt: 3, cells: { a: 'x', b: 'f', c: 'z' } },
      { prefix: 'x,"f', suffix: '""",z\n', splitAt: 0, cells: { a: 'x', b: 'f"', c: 'z' } },
      { prefix: 'x,"f', suffix: '",z\n', splitAt: 0, cells: { a: 'x', b: 'f', c: 'z' } },
      { prefix: 'x,z,"f', suffix: '"\r\n', splitAt: 0, cells: { a: 'x', b: 'z', c: 'f' } },
      { prefix: 'x,z,f', suffix: '\r\n', splitAt: 0, cells: { a: 'x', b: 'z', c: 'f' } },
    ];
    for (const { prefix, suffix, splitAt, cells } of cases) {
      // Seven padding rows of about 9,000 characters bring the tricky pair to character 65,535.
      const padding = 65_535 - header.length - prefix.length - splitAt;
      const rows = Array.from({ length: 7 }, (_, i) => {
        const length = Math.floor(padding / 7) + (i < padding % 7 ? 1 : 0);
        return `p,p,${'p'.repeat(length - 5)}\n`;
      });
      const text = `${header}${rows.join('')}${prefix}${suffix}y,z,w\n`;
      expect(text.slice(65_535, 65_537)).toBe(suffix.slice(splitAt, splitAt + 2));
      const { all } = await parseAll(file('boundary.csv', text));
      expect(all.slice(-2)).toEqual([
        { rowNo: 9, cells },
        { rowNo: 10, cells: { a: 'y', b: 'z', c: 'w' } },
      ]);
      expect(all.filter((r) => r.error)).toEqual([]);
    }
  });
});

describe('header detection', () => {
  it('takes the first non-empty row when no headers are expected', async () => {
    const { headers, all } = await parseAll(file('plain.csv', '\n\nx,y\n1,2\n'));
    expect(headers).toEqual(['x', 'y']);
    expect(all).toEqual([{ rowNo: 4, cells: { x: '1', y: '2' } }]);
  });

  it('picks the row with the most expected columns, not the first', async () => {
    const text = ['案号,见下表', '案号,姓名,联系电话', '1,张三,13800000000'].join('\n');
    const { headers, all } = await parseAll(file('most.csv', text), { expectedHeaders: LEDGER_HEADERS });
    expect(headers).toEqual(['案号', '姓名', '联系电话']);
    expect(all.map((r) => r.rowNo)).toEqual([3]);
  });

  it('matches loosely (blanks, full-width, case, asterisks) and names columns as the profile spells them', async () => {
    const text = ['联系 电话,金额（元）,*姓名,CASE NO', '138,12,张三,A1'].join('\n');
    const { headers } = await parseAll(file('loose.csv', text), {
      expectedHeaders: ['联系电话', '金额(元)', '姓名', 'case no'],
    });
    expect(headers).toEqual(['联系电话', '金额(元)', '姓名', 'case no']);
  });

  it('suffixes repeated names with #2, #3 and names blank header cells by column letter', async () => {
    const { headers, all } = await parseAll(file('dup.csv', '姓名,,姓名,姓名\n甲,x,乙,丙\n'));
    expect(headers).toEqual(['姓名', '列B', '姓名#2', '姓名#3']);
    expect(all[0]!.cells).toEqual({ 姓名: '甲', 列B: 'x', '姓名#2': '乙', '姓名#3': '丙' });
  });

  it('throws HEADER_NOT_FOUND naming the expected columns when none is in the first 20 rows', async () => {
    const late = `${'标题\n'.repeat(20)}案号,姓名\n1,张三\n`;
    const error = await parseError(
      openParser(file('late.csv', late), { expectedHeaders: ['案号', '当事人'] }),
    );
    expect(error.code).toBe('HEADER_NOT_FOUND');
    expect(error.message).toContain('案号、当事人');
    expect(error.message).toContain('案号, 当事人');
  });
});

describe('XLSX', () => {
  /** A court ledger as a clerk lays it out: a title, a date line, a two-row header with merges. */
  async function ledgerWorkbook(): Promise<string> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('台账');
    ws.getCell('A1').value = '鹿城区人民法院诉讼纠纷台账（2026年10月）';
    ws.mergeCells('A1:J1');
    ws.getCell('A2').value = '统计日期：2026-10-31';
    const upper: [string, string][] = [
      ['A3:A4', '案号'],
      ['B3:D3', '申请人信息'],
      ['E3:F3', '被申请人信息'],
      ['G3:G4', '立案日期'],
      ['H3:H4', '金额'],
      ['I3:I4', '备注'],
      ['J3:J4', '链接'],
    ];
    for (const [range, name] of upper) {
      ws.getCell(range.slice(0, 2)).value = name;
      ws.mergeCells(range);
    }
    ws.getCell('B4').value = '姓名';
    ws.getCell('C4').value = '身份证号';
    ws.getCell('D4').value = '联系电话';
    ws.getCell('E4').value = '姓名';
    ws.getCell('F4').value = '联系电话';

    const r5 = ws.getRow(5);
    r5.values = [
      '(2026)浙0302民初1号',
      { richText: [{ text: '张' }, { text: '三', font: { bold: true } }] },
      '330302199001011234',
      '13800000000',
      '温州某物业公司',
      { formula: '"0577-"&"88001234"', result: '0577-88001234' },
      new Date(Date.UTC(2026, 9, 5, 9, 30)),
      1234.5,
      '  前后有空格  ',
      { formula: 'HYPERLINK("http://x","y")', result: 'y' },
    ];
    r5.getCell(7).numFmt = 'yyyy-mm-dd hh:mm';
    // Row 6 stays blank.
    const r7 = ws.getRow(7);
    r7.values = [
      '(2026)浙0302民初2号',
      '李四',
      { error: '#N/A' },
      13900000000,
      true,
      null,
      { formula: 'DATE(2026,1,2)', result: 46024 },
      46000,
      { formula: '1+1', result: 2 },
      { text: '官网', hyperlink: 'http://z' },
      '已核实',
    ];
    r7.getCell(7).numFmt = 'yyyy/m/d';
    ws.getCell('A8').value = '00123';
    ws.getCell('G8').value = new Date(Date.UTC(2026, 9, 31));
    ws.getCell('G8').numFmt = 'mm-dd-yy';
    const p = path.join(dir, `${++seq}-ledger.xlsx`);
    await wb.xlsx.writeFile(p);
    return p;
  }

  it('reads a ledger with title rows, a merged two-row header, and every kind of cell', async () => {
    const { format, encoding, headers, all } = await parseAll(await ledgerWorkbook(), {
      expectedHeaders: LEDGER_HEADERS,
    });
    expect(format).toBe('xlsx');
    expect(encoding).toBeNull();
    expect(headers).toEqual([
      '案号',
      '姓名',
      '身份证号',
      '联系电话',
      '姓名#2',
      '联系电话#2',
      '立案日期',
      '金额',
      '备注',
      '链接',
    ]);
    expect(all.map((r) => r.rowNo)).toEqual([5, 7, 8]);
    expect(all[0]).toEqual({
      rowNo: 5,
      cells: {
        案号: '(2026)浙0302民初1号',
        姓名: '张三',
        身份证号: '330302199001011234',
        联系电话: '13800000000',
        '姓名#2': '温州某物业公司',
        '联系电话#2': '0577-88001234',
        // Wall-clock time as written in the sheet, in the Date's UTC fields.
        立案日期: new Date(Date.UTC(2026, 9, 5, 9, 30)),
        金额: 1234.5,
        备注: '前后有空格',
        链接: 'y',
      },
    });
    expect(all[1]).toEqual({
      rowNo: 7,
      cells: {
        案号: '(2026)浙0302民初2号',
        姓名: '李四',
        身份证号: null,
        联系电话: 13900000000,
        '姓名#2': true,
        '联系电话#2': null,
        立案日期: new Date(Date.UTC(2026, 0, 2)),
        金额: 46000,
        备注: 2,
        链接: '官网',
        // A note typed right of the table is kept, not a reason to reject the row.
        列K: '已核实',
      },
    });
    expect(all[2]!.cells.案号).toBe('00123');
    expect(all[2]!.cells.立案日期).toEqual(new Date(Date.UTC(2026, 9, 31)));
  });

  it('reads the first visible sheet only', async () => {
    const wb = new ExcelJS.Workbook();
    const lists = wb.addWorksheet('字典');
    lists.addRow(['案号', '类别']);
    lists.addRow(['不该读到', 'x']);
    lists.state = 'hidden';
    const main = wb.addWorksheet('台账');
    main.addRow(['案号', '姓名']);
    main.addRow(['1', '张三']);
    wb.addWorksheet('其他').addRow(['案号', '姓名']);
    const p = path.join(dir, `${++seq}-sheets.xlsx`);
    await wb.xlsx.writeFile(p);
    const { all } = await parseAll(p, { expectedHeaders: ['案号'] });
    expect(all).toEqual([{ rowNo: 2, cells: { 案号: '1', 姓名: '张三' } }]);
  });

  /**
   * 10,000 rows of Chinese text, written by exceljs' streaming writer (sheet before shared strings, as Excel
   * does). Its shared strings span about 100 inflate chunks; the stock exceljs stream reader garbles a cell at
   * most of those boundaries.
   */
  let chinese: Promise<string> | undefined;
  function chineseWorkbook(): Promise<string> {
    chinese ??= writeChineseWorkbook();
    return chinese;
  }
  async function writeChineseWorkbook(): Promise<string> {
    const p = path.join(dir, `${++seq}-chinese.xlsx`);
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: p,
      useSharedStrings: true,
      useStyles: true,
    });
    const ws = wb.addWorksheet('台账');
    ws.addRow(['案号', '姓名', '描述']).commit();
    for (let i = 0; i < 10_000; i++) {
      const description = `鹿城区五马街道某小区业主与物业纠纷第${i}起，涉及物业费争议`;
      ws.addRow([`(2026)浙0302民初${i}号`, `当事人${i}`, description]).commit();
    }
    ws.commit();
    await wb.commit();
    return p;
  }

  it('keeps Chinese text whole across inflate chunks, and reports progress', async () => {
    const p = await chineseWorkbook();
    const progress: [number, number][] = [];
    const { all } = await parseAll(p, { onProgress: (done, total) => progress.push([done, total]) });
    expect(all).toHaveLength(10_000);
    const garbled = all.filter((r) => Object.values(r.cells).some((v) => String(v).includes('\uFFFD')));
    expect(garbled).toEqual([]);
    expect(all[9_999]!.cells.描述).toBe('鹿城区五马街道某小区业主与物业纠纷第9999起，涉及物业费争议');
    const size = fs.statSync(p).size;
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual([size, size]);
    expect(progress.every(([done], i) => i === 0 || done >= progress[i - 1]![0])).toBe(true);
  });

  it('refuses a file cut in half as FILE_TRUNCATED, and a file cut to nothing', async () => {
    const whole = fs.readFileSync(await chineseWorkbook());
    const half = await parseError(openParser(file('half.xlsx', whole.subarray(0, whole.length >> 1))));
    expect(half.code).toBe('FILE_TRUNCATED');
    const stub = await parseError(openParser(file('stub.xlsx', whole.subarray(0, 300))));
    expect(stub.code).toBe('FILE_TRUNCATED');
  });

  it('yields the rows before damage inside the sheet, then throws, without crashing or hanging', async () => {
    const damaged = Buffer.from(fs.readFileSync(await chineseWorkbook()));
    // The sheet comes first in the package; scribble over its compressed data a little way in.
    const at = damaged.indexOf('xl/worksheets/sheet1.xml') + 3000;
    for (let i = at; i < at + 4000; i++) damaged[i] = (i * 131 + 7) & 0xff;
    const parsed = await openParser(file('damaged.xlsx', damaged));
    const { rows, error } = await readUntilError(parsed);
    expect(rows.length).toBeGreaterThan(0);
    expect(error.code).toBe('FILE_TRUNCATED');
    expect(error.rowNo).toBe(rows.at(-1)!.rowNo);
  });

  it('gives ROW_TOO_LONG to a row with a cell over the limit', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('x');
    ws.addRow(['案号', '备注']);
    ws.addRow(['1', '长'.repeat(MAX_CELL_CHARS + 1)]);
    ws.addRow(['2', '短']);
    const p = path.join(dir, `${++seq}-long.xlsx`);
    await wb.xlsx.writeFile(p);
    const { all } = await parseAll(p);
    expect(all.map((r) => [r.rowNo, r.error?.code])).toEqual([
      [2, 'ROW_TOO_LONG'],
      [3, undefined],
    ]);
    expect((all[0]!.cells.备注 as string).length).toBeLessThanOrEqual(101);
  });

  it('throws HEADER_NOT_FOUND for a sheet without the expected columns', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('x').addRow(['甲', '乙']);
    const p = path.join(dir, `${++seq}-other.xlsx`);
    await wb.xlsx.writeFile(p);
    expect((await parseError(openParser(p, { expectedHeaders: ['案号'] }))).code).toBe('HEADER_NOT_FOUND');
  });
});

describe('JSON Lines', () => {
  it('reads objects, flattening nested values, and rejects broken lines by line number', async () => {
    const lines = [
      '{"案号":"A1","金额":12.5,"已调解":true,"备注":null,"当事人":[{"姓名":"张三"}],"地址":{"区":"鹿城"}}',
      '',
      '[1,2,3]',
      '{"案号":"  A2  ","金额":"","新字段":1}',
      '{"案号":"A3","金额":',
    ];
    const { format, headers, all } = await parseAll(file('cases.jsonl', lines.join('\n')));
    expect(format).toBe('jsonl');
    expect(headers).toEqual(['案号', '金额', '已调解', '备注', '当事人', '地址', '新字段']);
    expect(all).toEqual([
      {
        rowNo: 1,
        cells: {
          案号: 'A1',
          金额: 12.5,
          已调解: true,
          备注: null,
          当事人: '[{"姓名":"张三"}]',
          地址: '{"区":"鹿城"}',
        },
      },
      {
        rowNo: 3,
        cells: {},
        error: {
          code: 'ROW_JSON',
          reason: '此行不是有效的 JSON 对象 / this line is not a valid JSON object',
        },
      },
      { rowNo: 4, cells: { 案号: 'A2', 金额: null, 新字段: 1 } },
      // The last line was cut off.
      {
        rowNo: 5,
        cells: {},
        error: {
          code: 'ROW_JSON',
          reason: '此行不是有效的 JSON 对象 / this line is not a valid JSON object',
        },
      },
    ]);
  });

  it('detects GBK, takes the profile spelling of keys, and bounds long values', async () => {
    const text = `{"案号":"A1","联系 电话":"138"}\r\n{"案号":"${'长'.repeat(MAX_CELL_CHARS + 1)}"}\r\n`;
    const { encoding, headers, all } = await parseAll(file('gbk.jsonl', iconv.encode(text, 'gbk')), {
      expectedHeaders: ['案号', '联系电话'],
    });
    expect(encoding).toBe('gb18030');
    expect(headers).toEqual(['案号', '联系电话']);
    expect(all[0]).toEqual({ rowNo: 1, cells: { 案号: 'A1', 联系电话: '138' } });
    expect(all[1]!.error?.code).toBe('ROW_TOO_LONG');
  });
});

describe('files that cannot be read', () => {
  it('refuses an empty file and a missing one as FILE_UNREADABLE', async () => {
    const empty = await parseError(openParser(file('empty.csv', '')));
    expect(empty.code).toBe('FILE_UNREADABLE');
    expect(empty.message).toBe('文件为空 / The file is empty');
    const blank = await parseError(openParser(file('blank.csv', '\n\n  \n')));
    expect(blank.code).toBe('FILE_UNREADABLE');
    expect((await parseError(openParser(path.join(dir, 'nope.csv')))).code).toBe('FILE_UNREADABLE');
  });

  it('refuses binaries as FILE_FORMAT', async () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ]);
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]);
    const blob = Buffer.from([0x01, 0x02, 0x00, 0xff, 0xfe, 0x00, 0x10]);
    for (const [name, bytes] of [
      ['x.png', png],
      ['x.xls', xls],
      ['x.bin', blob],
    ] as const) {
      const error = await parseError(openParser(file(name, bytes), { encoding: 'utf8' }));
      expect(error.code, name).toBe('FILE_FORMAT');
    }
    expect((await parseError(openParser(file('x.png', png), { format: 'xlsx' }))).code).toBe('FILE_FORMAT');
  });

  it('refuses a file declared UTF-8 that is GBK as FILE_ENCODING', async () => {
    const error = await parseError(
      openParser(file('liar.csv', iconv.encode('案号,姓名\n1,张三\n', 'gbk')), { encoding: 'utf8' }),
    );
    expect(error.code).toBe('FILE_ENCODING');
  });

  it('throws FILE_ENCODING part-way when a UTF-8 file turns into GBK after the sample', async () => {
    const head = `案号,姓名\n${'1,张三\n'.repeat(10_000)}`;
    const p = file('mixed.csv', Buffer.concat([Buffer.from(head), iconv.encode('2,李四\n', 'gbk')]));
    const { rows, error } = await readUntilError(await openParser(p));
    expect(rows).toHaveLength(10_000);
    expect(error.code).toBe('FILE_ENCODING');
    expect(error.rowNo).toBe(10_002);
  });

  it('looks past a long ASCII start to tell GBK, and flags undecodable GB18030 rows', async () => {
    const ascii = `id,name\n${'1,abc\n'.repeat(20_000)}`;
    const p = file(
      'late-gbk.csv',
      Buffer.concat([
        Buffer.from(ascii),
        iconv.encode('2,张三\n', 'gbk'),
        Buffer.from([0x33, 0x2c, 0x81, 0x20, 0x0a]),
      ]),
    );
    const { encoding, all } = await parseAll(p);
    expect(encoding).toBe('gb18030');
    expect(all.at(-2)!.cells).toEqual({ id: '2', name: '张三' });
    expect(all.at(-1)!.error?.code).toBe('ROW_ENCODING');
  });
});

describe('streaming', () => {
  it('parses 200,000 CSV rows in bounded memory, reporting progress per chunk', async () => {
    const p = path.join(dir, `${++seq}-large.csv`);
    const out = fs.createWriteStream(p);
    out.write('鹿城区矛盾纠纷台账\n案号,姓名,身份证号,联系电话,描述,金额\n');
    for (let i = 0; i < 200_000; i++) {
      const line = `(2026)浙0302民初${i}号,当事人${i},33030219900101${String(i % 10_000).padStart(4, '0')},138${String(i).padStart(8, '0')},"楼上漏水, 影响楼下住户第${i}次",${i}.5\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const size = fs.statSync(p).size;

    const started = Date.now();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let calls = 0;
    let last = 0;
    const parsed = await openParser(p, {
      expectedHeaders: ['案号', '姓名'],
      onProgress: (done) => {
        calls++;
        last = done;
      },
    });
    let count = 0;
    let lastRow: RawRow | undefined;
    for await (const row of parsed.rows) {
      count++;
      lastRow = row;
      if (count % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `CSV ${count} rows, ${(size / 1e6).toFixed(1)} MB: ${seconds.toFixed(2)} s, ` +
        `${Math.round(count / seconds)} rows/s, RSS +${((peak - rssBefore) / 1e6).toFixed(0)} MB`,
    );
    expect(count).toBe(200_000);
    expect(lastRow).toMatchObject({ rowNo: 200_002, cells: { 金额: '199999.5' } });
    expect(lastRow!.error).toBeUndefined();
    expect(peak - rssBefore).toBeLessThan(150 * 1024 * 1024);
    expect(seconds).toBeLessThan(10);
    expect(calls).toBeGreaterThanOrEqual(Math.floor(size / (64 * 1024)));
    expect(last).toBe(size);
  });

  it('closes the file when the reader stops early', async () => {
    const parsed = await openParser(file('early.csv', `a,b\n${'1,2\n'.repeat(100_000)}`));
    let seen = 0;
    for await (const _ of parsed.rows) {
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    // The iterator is finished; asking again yields nothing rather than reading on.
    expect(await collect(parsed)).toEqual([]);
  });
});
