import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../testing/harness.ts';
import { form, type Part } from '../testing/multipart.ts';

const GULOU = '330302006044';
const GULOU_GRID = '330302006044001';
const WUMA = '330302006000';
const LUCHENG = '330302000000';
const OTHER_TOWN = '330302023000';

// Real, tiny files: a 1×1 PNG and a one-page PDF skeleton.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n' +
    'trailer <</Root 1 0 R>>\n%%EOF\n',
);
const PDF_NAME = '现场照片（鼓楼区）.pdf';

const file = (filename: string, data: Buffer, type?: string): Part => ({
  name: 'file',
  filename,
  data,
  ...(type ? { type } : {}),
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every regular file under a folder: blobs and any temp file left behind. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

interface Detail {
  id: string;
  version: number;
  closed: boolean;
  attachments: { id: string; filename: string; mime: string; size: number; timelineId: string | null }[];
  timeline: { id: string; action: string; note: string | null; data: { attachments?: unknown } }[];
}

/** One test context with users signed in, and the calls the tests make through HTTP. */
async function world(opts: { maxUploadMb?: number } = {}) {
  const t = await createTestContext(opts);
  const c: Record<string, string> = {};
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['grid', { username: 'a_grid', role: 'grid_worker', areaCode: GULOU }],
    ['town', { username: 'a_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['other', { username: 'a_other', role: 'town_center', areaCode: OTHER_TOWN, departmentCode: 'zongzhi' }],
    ['auditor', { username: 'a_auditor', role: 'auditor', areaCode: LUCHENG }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);

  const upload = (who: string, id: string, parts: Part[]) => {
    const f = form(parts);
    return t.app.inject({
      method: 'POST',
      url: `/api/matters/${id}/attachments`,
      payload: f.payload,
      headers: { ...f.headers, cookie: c[who]! },
    });
  };
  const get = (who: string, url: string) =>
    t.app.inject({ method: 'GET', url, headers: { cookie: c[who]! } });
  const detail = async (id: string) => {
    const r = await get('grid', `/api/matters/${id}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as Detail;
  };
  const report = async (title = '小区门口垃圾堆放') => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/matters',
      headers: { cookie: c.grid! },
      payload: { type: 'event', category: 'dispute', title, areaCode: GULOU_GRID },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string };
  };
  return { t, c, upload, get, detail, report };
}

let w: Awaited<ReturnType<typeof world>>;
beforeAll(async () => {
  w = await world();
});
afterAll(() => w.t.close());

describe('attachments through HTTP', () => {
  it('a grid worker attaches a PNG and a PDF with a Chinese name to the matter they reported', async () => {
    const m = await w.report();
    const before = await w.detail(m.id);
    const r = await w.upload('grid', m.id, [
      { name: 'note', value: '现场照片和检查记录' },
      // The client's declared types are wrong on purpose: the server decides from the bytes.
      file('门口.png', PNG, 'application/octet-stream'),
      file(PDF_NAME, PDF, 'text/html'),
    ]);
    expect(r.statusCode, r.body).toBe(201);
    const { attachments } = r.json() as { attachments: Detail['attachments'] };
    expect(attachments.map((a) => [a.filename, a.mime, a.size])).toEqual([
      ['门口.png', 'image/png', PNG.length],
      [PDF_NAME, 'application/pdf', PDF.length],
    ]);

    const after = await w.detail(m.id);
    expect(after.version).toBe(before.version + 1);
    expect(after.attachments).toEqual(attachments);
    const entry = after.timeline.at(-1)!;
    expect(entry).toMatchObject({ action: 'attach', note: '现场照片和检查记录' });
    expect(entry.data.attachments).toEqual(attachments.map((a) => ({ id: a.id, filename: a.filename })));
    expect(attachments.every((a) => a.timelineId === entry.id)).toBe(true);

    const audited = await w.t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'new_values'])
      .where('entity_type', '=', 'matter')
      .where('entity_id', '=', m.id)
      .where('action', '=', 'matter.attach')
      .execute();
    expect(audited).toHaveLength(1);
    expect(audited[0]!.new_values).toMatchObject({
      attachments: [
        { filename: '门口.png', size: PNG.length, sha256: sha(PNG) },
        { filename: PDF_NAME, size: PDF.length, sha256: sha(PDF) },
      ],
    });
  });

  it('downloads return the same bytes with safe headers, and each download is audited', async () => {
    const m = await w.report();
    const r = await w.upload('grid', m.id, [
      file('门口.png', PNG),
      file(PDF_NAME, PDF),
      file('走访记录.txt', Buffer.from('已走访三户，情况属实。\n')),
    ]);
    expect(r.statusCode, r.body).toBe(201);
    const [png, pdf, txt] = (r.json() as { attachments: Detail['attachments'] }).attachments;

    // The town centre sees the matter through its scope and downloads.
    const d1 = await w.get('town', `/api/matters/${m.id}/attachments/${png!.id}`);
    expect(d1.statusCode, d1.body).toBe(200);
    expect(d1.rawPayload.equals(PNG)).toBe(true);
    expect(d1.headers).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(PNG.length),
      'x-content-type-options': 'nosniff',
      'cache-control': 'private',
    });
    expect(d1.headers['content-disposition']).toBe(
      `inline; filename="__.png"; filename*=UTF-8''${encodeURIComponent('门口.png')}`,
    );

    const d2 = await w.get('grid', `/api/matters/${m.id}/attachments/${pdf!.id}`);
    expect(d2.statusCode).toBe(200);
    expect(d2.rawPayload.equals(PDF)).toBe(true);
    expect(d2.headers['content-type']).toBe('application/pdf');
    const disposition = String(d2.headers['content-disposition']);
    expect(disposition.startsWith('inline; ')).toBe(true);
    // RFC 5987: the exact name, UTF-8 and percent-encoded, with ( ) encoded too.
    const star = /filename\*=UTF-8''([^;]+)$/.exec(disposition)![1]!;
    expect(star).not.toMatch(/[()（）]/);
    expect(decodeURIComponent(star)).toBe(PDF_NAME);

    // Anything that is not an image or a PDF is a download, never rendered in the page.
    const d3 = await w.get('grid', `/api/matters/${m.id}/attachments/${txt!.id}`);
    expect(d3.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(String(d3.headers['content-disposition']).startsWith('attachment; ')).toBe(true);
    expect(d3.body).toBe('已走访三户，情况属实。\n');

    const downloads = await w.t.kernel.db
      .selectFrom('audit_log')
      .select(['actor_name', 'new_values'])
      .where('action', '=', 'matter.attachment.download')
      .where('entity_id', '=', m.id)
      .orderBy('id')
      .execute();
    expect(
      downloads.map((d) => [d.actor_name, (d.new_values as { attachmentId: string }).attachmentId]),
    ).toEqual([
      ['a_town', png!.id],
      ['a_grid', pdf!.id],
      ['a_grid', txt!.id],
    ]);
  });

  it('stores the same bytes once: one files row and one blob for two attachments', async () => {
    const m = await w.report();
    const bytes = Buffer.concat([PNG, randomBytes(16)]); // unique to this test, still a PNG
    const first = await w.upload('grid', m.id, [file('a.png', bytes)]);
    const second = await w.upload('grid', m.id, [file('b.png', bytes)]);
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    const rows = await w.t.kernel.db
      .selectFrom('files')
      .selectAll()
      .where('sha256', '=', sha(bytes))
      .execute();
    expect(rows).toHaveLength(1);
    const attached = await w.t.kernel.db
      .selectFrom('matter_attachments')
      .select('filename')
      .where('sha256', '=', sha(bytes))
      .orderBy('id')
      .execute();
    expect(attached.map((a) => a.filename)).toEqual(['a.png', 'b.png']);
    expect(filesUnder(w.t.kernel.config.filesDir).filter((f) => f.endsWith(sha(bytes)))).toHaveLength(1);
    expect((await w.detail(m.id)).timeline.filter((e) => e.action === 'attach')).toHaveLength(2);
  });

  it('refuses executables, HTML and SVG whatever they are named (415), leaving the matter unchanged', async () => {
    const m = await w.report();
    const before = await w.detail(m.id);
    const refused = [
      file('setup.exe', Buffer.concat([Buffer.from('MZ'), randomBytes(200)])),
      file('照片.jpg', Buffer.concat([Buffer.from('MZ\x90\x00'), randomBytes(200)]), 'image/jpeg'),
      file('page.html', Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>')),
      file(
        'logo.svg',
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>'),
        'image/svg+xml',
      ),
    ];
    for (const part of refused) {
      // The forbidden file comes after an acceptable one: nothing of the request is attached.
      const r = await w.upload('grid', m.id, [file('ok.png', PNG), part]);
      expect(r.statusCode, r.body).toBe(415);
      expect(r.json()).toMatchObject({ code: 'FILE_TYPE_FORBIDDEN' });
      expect(r.json().message).toContain('.docx/.xlsx/.pptx');
    }
    const after = await w.detail(m.id);
    expect(after.version).toBe(before.version);
    expect(after.timeline).toEqual(before.timeline);
    expect(after.attachments).toEqual([]);
  });

  it('hides the matter from a user of another town (404), before reading the upload', async () => {
    const m = await w.report();
    const ok = await w.upload('grid', m.id, [file('a.png', PNG)]);
    const id = (ok.json() as { attachments: { id: string }[] }).attachments[0]!.id;
    const stored = filesUnder(w.t.kernel.config.filesDir).length;
    const big = Buffer.concat([PNG, randomBytes(300_000)]);
    const r = await w.upload('other', m.id, [file('b.png', big)]);
    expect(r.statusCode, r.body).toBe(404);
    expect(r.json().code).toBe('NOT_FOUND');
    // The stranger's bytes were never written, not even to a temp file.
    expect(filesUnder(w.t.kernel.config.filesDir)).toHaveLength(stored);
    expect((await w.get('other', `/api/matters/${m.id}/attachments/${id}`)).statusCode).toBe(404);
    // An attachment asked for under another matter is not found either.
    const m2 = await w.report();
    expect((await w.get('grid', `/api/matters/${m2.id}/attachments/${id}`)).statusCode).toBe(404);
  });

  it('refuses an auditor (403), a closed matter (409), no session (401) and a JSON body (400)', async () => {
    const m = await w.report();
    const up = await w.upload('grid', m.id, [file('a.png', PNG)]);
    const id = (up.json() as { attachments: { id: string }[] }).attachments[0]!.id;

    const auditor = await w.upload('auditor', m.id, [file('a.png', PNG)]);
    expect(auditor.statusCode, auditor.body).toBe(403);
    expect(auditor.json().code).toBe('FORBIDDEN');
    expect((await w.get('auditor', `/api/matters/${m.id}/attachments/${id}`)).statusCode).toBe(403);

    const anonymous = await w.t.app.inject({
      method: 'POST',
      url: `/api/matters/${m.id}/attachments`,
      ...form([file('a.png', PNG)]),
    });
    expect(anonymous.statusCode).toBe(401);

    const json = await w.t.app.inject({
      method: 'POST',
      url: `/api/matters/${m.id}/attachments`,
      headers: { cookie: w.c.grid! },
      payload: { file: 'not a file' },
    });
    expect(json.statusCode).toBe(400);

    const cur = await w.detail(m.id);
    const rejected = await w.t.app.inject({
      method: 'POST',
      url: `/api/matters/${m.id}/transitions`,
      headers: { cookie: w.c.town! },
      payload: { action: 'reject', version: cur.version, reason: '不属于受理范围' },
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    const closed = await w.upload('grid', m.id, [file('late.png', PNG)]);
    expect(closed.statusCode, closed.body).toBe(409);
    expect(closed.json().code).toBe('INVALID_TRANSITION');
    // A closed matter's evidence can still be read.
    expect((await w.get('grid', `/api/matters/${m.id}/attachments/${id}`)).statusCode).toBe(200);
  });

  it('keeps only a clean file name: no path, no control or direction characters, at most 255', async () => {
    const m = await w.report();
    const long = `${'长'.repeat(300)}.png`;
    const r = await w.upload('grid', m.id, [
      file('C:\\fakepath\\现场\u0007照片\u202e.png', PNG),
      file('../../etc/passwd.png', PNG),
      file(long, PNG),
      file('引号\\"和%.png', PNG), // a quote, escaped in the multipart header
    ]);
    expect(r.statusCode, r.body).toBe(201);
    const names = (r.json() as { attachments: Detail['attachments'] }).attachments.map((a) => a.filename);
    expect(names.slice(0, 2)).toEqual(['现场照片.png', 'passwd.png']);
    expect(Array.from(names[2]!)).toHaveLength(255);
    expect(names[2]!.endsWith('长.png')).toBe(true);
    expect(names[3]).toBe('引号"和%.png');
    const id = (r.json() as { attachments: Detail['attachments'] }).attachments[3]!.id;
    const d = await w.get('grid', `/api/matters/${m.id}/attachments/${id}`);
    // The quote never reaches the quoted fallback; the exact name travels percent-encoded.
    expect(d.headers['content-disposition']).toBe(
      `inline; filename="_____.png"; filename*=UTF-8''${encodeURIComponent('引号"和%.png')}`,
    );
  });

  it('answers malformed uploads with 400, never 500, and keeps no temp file', async () => {
    const m = await w.report();
    const boundary = '----zhili-malformed';
    const raw = (body: string, contentType = `multipart/form-data; boundary=${boundary}`) =>
      w.t.app.inject({
        method: 'POST',
        url: `/api/matters/${m.id}/attachments`,
        headers: { cookie: w.c.grid!, 'content-type': contentType },
        payload: body,
      });
    const part = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n`;
    const cases: [string, Awaited<ReturnType<typeof raw>>, string][] = [
      ['cut short', await raw(`${part}hello`), 'BAD_REQUEST'],
      ['no boundary', await raw(`${part}hello\r\n--${boundary}--\r\n`, 'multipart/form-data'), 'BAD_REQUEST'],
      ['no file', await raw(`--${boundary}--\r\n`), 'VALIDATION_FAILED'],
      ['an empty file', await raw(`${part}\r\n--${boundary}--\r\n`), 'VALIDATION_FAILED'],
    ];
    const tooMany = await w.upload(
      'grid',
      m.id,
      Array.from({ length: 11 }, (_, i) => file(`${i}.txt`, Buffer.from(`第 ${i} 份`))),
    );
    cases.push(['eleven files', tooMany, 'VALIDATION_FAILED']);
    const unknown = await w.upload('grid', m.id, [{ name: 'owner', value: 'x' }, file('a.png', PNG)]);
    cases.push(['an unknown field', unknown, 'VALIDATION_FAILED']);
    const longNote = await w.upload('grid', m.id, [
      { name: 'note', value: '长'.repeat(4000) },
      file('a.png', PNG),
    ]);
    cases.push(['a note over 10 KB', longNote, 'VALIDATION_FAILED']);
    for (const [what, r, code] of cases) {
      expect([what, r.statusCode, r.json().code]).toEqual([what, 400, code]);
    }
    expect(filesUnder(path.join(w.t.kernel.config.filesDir, 'tmp'))).toEqual([]);
    expect((await w.detail(m.id)).attachments).toEqual([]);
  });

  it('documents the multipart body and the binary response in OpenAPI', async () => {
    const doc = (await w.t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const post = doc.paths['/api/matters/{id}/attachments'].post;
    const body = post.requestBody.content['multipart/form-data'].schema;
    expect(body.properties.file).toMatchObject({
      type: 'array',
      items: { type: 'string', format: 'binary' },
    });
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '413', '415']));
    const get = doc.paths['/api/matters/{id}/attachments/{attachmentId}'].get;
    expect(get.responses['200'].content['application/octet-stream'].schema).toMatchObject({
      type: 'string',
      format: 'binary',
    });
  });
});

describe('the upload limit', () => {
  let small: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    small = await world({ maxUploadMb: 1 });
  });
  afterAll(() => small.t.close());

  it('refuses a file over ZHILI_MAX_UPLOAD_MB (413), changing nothing and keeping no temp file', async () => {
    const m = await small.report();
    const before = await small.detail(m.id);
    const big = Buffer.concat([PNG, Buffer.alloc(1_572_864 - PNG.length, 7)]); // 1.5 MB, a PNG by its head
    const r = await small.upload('grid', m.id, [file('ok.png', PNG), file('big.png', big)]);
    expect(r.statusCode, r.body).toBe(413);
    expect(r.json()).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(r.json().message).toContain('1 MB');

    const after = await small.detail(m.id);
    expect(after.version).toBe(before.version);
    expect(after.timeline).toEqual(before.timeline);
    expect(after.attachments).toEqual([]);
    const dir = small.t.kernel.config.filesDir;
    expect(filesUnder(path.join(dir, 'tmp'))).toEqual([]);
    // Only the small file that came first was stored (unreferenced); nothing of the big one.
    expect(filesUnder(dir)).toEqual([path.join(sha(PNG).slice(0, 2), sha(PNG).slice(2, 4), sha(PNG))]);

    // Exactly the limit is accepted.
    const exact = Buffer.concat([PNG, Buffer.alloc(1_048_576 - PNG.length, 7)]);
    const ok = await small.upload('grid', m.id, [file('exact.png', exact)]);
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('over a real socket, a refused upload does not leave the kept-alive connection hanging', async () => {
    // inject() cannot show this: when the server answers before reading the whole body, the unread rest
    // blocks the connection, and a client that reuses it (browsers do) waits for the next answer forever.
    const base = new URL(await small.t.app.listen({ port: 0, host: '127.0.0.1' }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 }); // one connection, reused
    const m = await small.report();
    const post = (parts: Part[]) =>
      new Promise<{ status: number | string; body: string }>((resolve) => {
        const f = form(parts);
        const req = http.request(
          {
            host: base.hostname,
            port: base.port,
            path: `/api/matters/${m.id}/attachments`,
            method: 'POST',
            agent,
            headers: { ...f.headers, cookie: small.c.grid!, 'content-length': f.payload.length },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => {
              body += d;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', (e) => resolve({ status: e.message, body: '' }));
        req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
        req.end(f.payload);
      });
    try {
      const rest = Buffer.alloc(3_000_000); // more than socket buffers hold
      const refused = [
        [file('a.exe', Buffer.concat([Buffer.from('MZ'), randomBytes(100)])), file('b.pdf', rest)],
        [file('big.pdf', Buffer.concat([PDF, rest]))],
      ];
      for (const parts of refused) {
        expect([413, 415]).toContain((await post(parts)).status);
        const ok = await post([file('报告.pdf', PDF)]);
        expect(ok.status, ok.body).toBe(201);
      }
    } finally {
      agent.destroy();
    }
  });
});
