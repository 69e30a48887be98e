import swagger from '@fastify/swagger';
import { XMLParser } from 'fast-xml-parser';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../core/access/actor.ts';
import { type Area, locate } from '../../core/areas/areas.service.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { ddb } from './dispute.tables.ts';
import { OPEN311_PREFIX, open311Routes } from './open311.routes.ts';
import { parseW3cDate, redact } from './open311.service.ts';
import { createToken, revokeToken } from './sources.service.ts';

const LUCHENG = '330302000000';
const WUMA = '330302006000';
/** In 鹿城区; the area it falls in (down to the grid, as the loaded outlines have it) is read in beforeAll. */
const POINT = { long: '120.655', lat: '28.015' };
const PHONE = '13805771234';

let t: TestContext;
let key: string;
let revokedKey: string;
let policeKey: string;
const cookies: Record<string, string> = {};
let place: Area[] = [];

const xml = new XMLParser({
  parseTagValue: false,
  isArray: (name) =>
    ['service', 'attribute', 'value', 'endpoint', 'format', 'request', 'error'].includes(name),
});

const get = (path: string) => t.app.inject({ method: 'GET', url: `${OPEN311_PREFIX}/${path}` });

/** A form post, as GeoReport clients send it. */
function postForm(path: string, fields: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url: `${OPEN311_PREFIX}/${path}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

function postJson(path: string, body: unknown) {
  return t.app.inject({ method: 'POST', url: `${OPEN311_PREFIX}/${path}`, payload: body as object });
}

const report = (extra: Record<string, string> = {}) => ({
  api_key: key,
  service_code: 'neighbour',
  ...POINT,
  description: `楼上住户王小明家卫生间漏水一个多月，协商无果。我的电话 ${PHONE}。`,
  first_name: '小明',
  last_name: '李',
  phone: PHONE,
  email: 'li.xiaoming@example.com',
  'attribute[people_involved]': '3',
  'attribute[amount]': '5000',
  'attribute[party_role]': 'applicant',
  'attribute[respondent_name]': '王小明',
  media_url: 'https://img.example.com/leak.jpg',
  ...extra,
});

async function act(who: string, number: string, body: Record<string, unknown>) {
  const m = await t.kernel.db
    .selectFrom('matters')
    .select(['id', 'version'])
    .where('number', '=', number)
    .executeTakeFirstOrThrow();
  const r = await t.app.inject({
    method: 'POST',
    url: `/api/matters/${m.id}/transitions`,
    headers: { cookie: cookies[who]! },
    payload: { version: m.version, ...body },
  });
  expect(r.statusCode, `${String(body.action)}: ${r.body}`).toBe(200);
}

beforeAll(async () => {
  t = await createTestContext();
  // Until src/modules/dispute/index.ts mounts the routes (rootRoutes), the test mounts them itself.
  if (!t.app.hasRoute({ method: 'GET', url: `${OPEN311_PREFIX}/services.:format` })) {
    await t.app.register(open311Routes(t.kernel));
  }
  const admin = systemActor('open311-test');
  await t.kernel.db.transaction().execute(async (tx) => {
    key = (await createToken(tx, admin, 'open311', '市民 App')).token;
    const revoked = await createToken(tx, admin, 'open311', '停用的 App');
    revokedKey = revoked.token;
    await revokeToken(tx, admin, revoked.info.id);
    policeKey = (await createToken(tx, admin, 'police_110', '110 系统')).token;
  });
  cookies.county = await t.userSession({
    username: 'o311_county',
    role: 'county_center',
    areaCode: LUCHENG,
    departmentCode: 'zongzhi',
  });
  cookies.justice = await t.userSession({
    username: 'o311_justice',
    role: 'dept_clerk',
    areaCode: LUCHENG,
    departmentCode: 'justice',
  });
  place = await locate(t.kernel.db, Number(POINT.long), Number(POINT.lat));
  expect(place.map((a) => a.code)).toContain(LUCHENG);
});
afterAll(() => t.close());

describe('discovery and services', () => {
  it('discovery in JSON and XML', async () => {
    const j = await get('discovery.json');
    expect(j.statusCode).toBe(200);
    expect(j.headers['content-type']).toMatch(/^application\/json/);
    const d = j.json();
    expect(d).toMatchObject({
      changeset: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      contact: expect.any(String),
      key_service: expect.any(String),
    });
    expect(d.endpoints).toEqual([
      {
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: `http://localhost:80${OPEN311_PREFIX}`,
        changeset: d.changeset,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      },
    ]);

    const x = await get('discovery.xml');
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-type']).toMatch(/^text\/xml/);
    expect(x.body.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    const doc = xml.parse(x.body).discovery;
    expect(doc.changeset).toBe(d.changeset);
    expect(doc.endpoints.endpoint[0].specification).toBe('http://wiki.open311.org/GeoReport_v2');
    expect(doc.endpoints.endpoint[0].formats.format).toEqual(['text/xml', 'application/json']);
  });

  it('one service per dispute category, in JSON and XML', async () => {
    const services = (await get('services.json')).json();
    expect(services).toHaveLength(16);
    expect(services.find((s: { service_code: string }) => s.service_code === 'neighbour')).toEqual({
      service_code: 'neighbour',
      service_name: '邻里',
      description: expect.stringContaining('邻里纠纷 / Noise'),
      metadata: true,
      type: 'realtime',
      keywords: expect.stringContaining('噪音'),
      group: '矛盾纠纷',
    });

    const x = await get('services.xml');
    const doc = xml.parse(x.body).services;
    expect(doc.service).toHaveLength(16);
    expect(doc.service[1]).toMatchObject({
      service_code: 'neighbour',
      service_name: '邻里',
      metadata: 'true',
      type: 'realtime',
      group: '矛盾纠纷',
    });
  });

  it('a service definition with its attributes, in JSON and XML; an unknown one is 404', async () => {
    const def = (await get('services/labour.json')).json();
    expect(def.service_code).toBe('labour');
    expect(def.attributes.map((a: { code: string }) => a.code)).toEqual([
      'people_involved',
      'amount',
      'party_role',
      'respondent_name',
    ]);
    for (const a of def.attributes) {
      expect(a).toMatchObject({
        variable: true,
        required: false,
        datatype_description: expect.any(String),
        order: expect.any(Number),
        description: expect.any(String),
      });
    }
    const role = def.attributes.find((a: { code: string }) => a.code === 'party_role');
    expect(role.datatype).toBe('singlevaluelist');
    expect(role.values.map((v: { key: string }) => v.key)).toEqual(['applicant', 'respondent']);

    const x = await get('services/labour.xml');
    const doc = xml.parse(x.body).service_definition;
    expect(doc.service_code).toBe('labour');
    expect(doc.attributes.attribute).toHaveLength(4);
    expect(doc.attributes.attribute[2].values.value[0]).toEqual({
      key: 'applicant',
      name: expect.any(String),
    });
    expect(doc.attributes.attribute[1]).toMatchObject({
      code: 'amount',
      datatype: 'number',
      required: 'false',
    });

    const missing = await get('services/parking.json');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual([{ code: 404, description: expect.stringContaining('parking') }]);
    const missingXml = await get('services/parking.xml');
    expect(missingXml.statusCode).toBe(404);
    expect(xml.parse(missingXml.body).errors.error[0].code).toBe('404');
  });
});

describe('filing and following a request', () => {
  let number = '';
  let token = '';

  it('a form post with attribute[...] and a point in 鹿城区 registers a dispute', async () => {
    const r = await postForm('requests.json', report());
    expect(r.statusCode, r.body).toBe(201);
    const [created] = r.json();
    expect(created).toEqual({
      service_request_id: expect.stringMatching(/^JF-330302-\d{8}-\d{4}$/),
      token: expect.stringMatching(/^[0-9a-f-]{36}$/),
      service_notice: expect.any(String),
      account_id: null,
    });
    number = created.service_request_id;
    token = created.token;

    const m = await t.kernel.db
      .selectFrom('matters')
      .selectAll()
      .where('number', '=', number)
      .executeTakeFirstOrThrow();
    expect(m).toMatchObject({
      category: 'neighbour',
      source_channel: 'open311',
      status: 'registered',
      lng: 120.655,
    });
    expect(m.area_code.startsWith('330302')).toBe(true);
    expect(m.payload).toMatchObject({ peopleInvolved: 3, amount: 5000, sources: ['open311'] });
    const rec = await ddb(t.kernel.db)
      .selectFrom('dispute_records')
      .selectAll()
      .where('record_key', '=', token)
      .executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ source_code: 'open311', channel: 'open311' });
    expect(rec.data).toMatchObject({ open311: { mediaUrl: 'https://img.example.com/leak.jpg' } });
    // The two parties: the reporter (linked by phone) and the other side, both masked in the payload.
    const parties = (m.payload as { parties: { role: string; name: string }[] }).parties;
    expect(parties.map((p) => p.role)).toEqual(['applicant', 'respondent']);
    expect(JSON.stringify(parties)).not.toContain('小明');
  });

  it('GET requests/{id} shows it open, without a name, phone or e-mail', async () => {
    const r = await get(`requests/${number}.json`);
    expect(r.statusCode, r.body).toBe(200);
    const [sr] = r.json();
    // No address given: the names of the area the point lies in, city to village; the town's centre triages.
    const town = place.find((a) => a.level === 3) ?? place.find((a) => a.level === 2)!;
    expect(sr).toMatchObject({
      service_request_id: number,
      status: 'open',
      status_notes: '已登记 / Registered',
      service_name: '邻里',
      service_code: 'neighbour',
      agency_responsible: `${town.name}综治中心`,
      requested_datetime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/),
      updated_datetime: expect.stringMatching(/\+08:00$/),
      expected_datetime: expect.stringMatching(/\+08:00$/),
      address: `温州市${place
        .filter((a) => a.level <= 4)
        .map((a) => a.name)
        .join('')}`,
      address_id: place.at(-1)!.code,
      zipcode: null,
      lat: 28.015,
      long: 120.655,
      media_url: 'https://img.example.com/leak.jpg',
    });
    expect(sr.description).toBe('楼上住户某某家卫生间漏水一个多月，协商无果。我的电话 ***。');
    for (const secret of ['小明', PHONE, 'li.xiaoming']) expect(r.body).not.toContain(secret);

    const x = await get(`requests/${number}.xml`);
    expect(x.statusCode).toBe(200);
    const doc = xml.parse(x.body).service_requests.request;
    expect(doc).toHaveLength(1);
    expect(doc[0]).toMatchObject({ service_request_id: number, status: 'open', zipcode: '', lat: '28.015' });
  });

  it('tokens/{token} finds the request; an unknown token is 404', async () => {
    expect((await get(`tokens/${token}.json`)).json()).toEqual([{ service_request_id: number, token }]);
    const x = xml.parse((await get(`tokens/${token}.xml`)).body).service_requests.request[0];
    expect(x).toEqual({ service_request_id: number, token });
    const unknown = await get('tokens/00000000-0000-4000-8000-000000000000.json');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()[0].code).toBe(404);
  });

  it('the same dispute reported again by the same citizen joins it: same number, another token', async () => {
    const r = await postForm('requests.json', report());
    expect(r.statusCode, r.body).toBe(201);
    const [again] = r.json();
    expect(again.service_request_id).toBe(number);
    expect(again.token).not.toBe(token);
    expect((await get(`tokens/${again.token}.json`)).json()[0].service_request_id).toBe(number);
    // Still one request in the list.
    const list = (await get(`requests.json?service_request_id=${number}`)).json();
    expect(list).toHaveLength(1);
  });

  it('through the workflow to closed: status closed, the outcome in status_notes, the unit that handled it', async () => {
    await act('county', number, { action: 'assess' });
    await act('county', number, {
      action: 'to_department',
      assignee: { department: 'justice', areaCode: LUCHENG },
    });
    const handling = (await get(`requests/${number}.json`)).json()[0];
    expect(handling).toMatchObject({ status: 'open', agency_responsible: '鹿城区司法局' });
    expect(handling.status_notes).toBe('化解中 / Resolving');

    await act('justice', number, {
      action: 'resolve',
      result: '经调解，李小明与王小明达成协议，维修费各半承担',
    });
    await act('justice', number, { action: 'revisit', note: `电话回访 ${PHONE}，双方满意` });
    await act('county', number, { action: 'close' });

    const r = await get(`requests/${number}.json`);
    const [sr] = r.json();
    expect(sr.status).toBe('closed');
    expect(sr.expected_datetime).toBeNull();
    expect(sr.status_notes).toBe('已结案（化解） / Closed, resolved：电话回访 ***，双方满意');
    // The result names both parties; it is not the latest note, and names would be taken out anyway.
    expect(r.body).not.toContain('王小明');

    const closed = (await get('requests.json?status=closed')).json();
    expect(closed.map((x: { service_request_id: string }) => x.service_request_id)).toContain(number);
    const open = (await get('requests.json?status=open')).json();
    expect(open.map((x: { service_request_id: string }) => x.service_request_id)).not.toContain(number);
  });

  it('an address alone (JSON body) places the dispute; text is escaped in XML', async () => {
    const r = await postJson('requests.xml', {
      api_key: key,
      service_code: 'property_mgmt',
      address_string: '温州市鹿城区五马街道',
      description: '物业公司擅自提高停车费 <50%> & 不公示 "收费标准"',
      attribute: { people_involved: 12 },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.headers['content-type']).toMatch(/^text\/xml/);
    const created = xml.parse(r.body).service_requests.request[0];
    expect(created.service_request_id).toMatch(/^JF-330302-/);
    expect(created.account_id).toBe('');

    const m = await t.kernel.db
      .selectFrom('matters')
      .select(['area_code', 'payload'])
      .where('number', '=', created.service_request_id)
      .executeTakeFirstOrThrow();
    expect(m.area_code).toBe(WUMA);
    expect(m.payload).toMatchObject({ peopleInvolved: 12, mass: true });

    const x = await get(`requests/${created.service_request_id}.xml`);
    expect(x.body).toContain('&lt;50%&gt; &amp; 不公示 &quot;收费标准&quot;');
    const sr = xml.parse(x.body).service_requests.request[0];
    expect(sr).toMatchObject({
      description: '物业公司擅自提高停车费 <50%> & 不公示 "收费标准"',
      address: '温州市鹿城区五马街道',
      address_id: WUMA,
      lat: '',
      long: '',
      agency_responsible: '五马街道综治中心',
    });
  });

  it('GET requests filters by date, service and id list, and refuses bad parameters', async () => {
    const all = (await get('requests.json')).json();
    expect(all.length).toBe(2);
    const neighbours = (await get('requests.json?service_code=neighbour,labour')).json();
    expect(neighbours.map((x: { service_code: string }) => x.service_code)).toEqual(['neighbour']);
    const future = encodeURIComponent('2099-01-01T00:00:00+08:00');
    const later = encodeURIComponent('2099-02-01T00:00:00Z');
    expect((await get(`requests.json?start_date=${future}&end_date=${later}`)).json()).toEqual([]);
    const ids = all.map((x: { service_request_id: string }) => x.service_request_id).join(',');
    expect((await get(`requests.json?service_request_id=${ids}&start_date=${future}`)).json()).toHaveLength(
      2,
    );
    const xmlList = xml.parse((await get('requests.xml?service_code=ip')).body);
    expect(xmlList.service_requests).toBe('');

    const bad = await get(
      'requests.json?start_date=yesterday&end_date=2026-02-30&status=pending&service_code=parking',
    );
    expect(bad.statusCode).toBe(400);
    const errors = bad.json() as { code: number; description: string }[];
    expect(errors.every((e) => e.code === 400)).toBe(true);
    for (const p of ['start_date', 'end_date', 'status', 'service_code']) {
      expect(
        errors.some((e) => e.description.includes(p)),
        p,
      ).toBe(true);
    }
    const wide = await get('requests.xml?start_date=2026-01-01&end_date=2026-06-01');
    expect(wide.statusCode).toBe(400);
    expect(xml.parse(wide.body).errors.error[0].description).toContain('90');
    expect((await get('requests/JF-330302-20990101-0001.json')).statusCode).toBe(404);
    expect((await get('requests/nonsense.json')).statusCode).toBe(404);
  });
});

describe('refusals in the spec’s error format', () => {
  it('403 without an api_key, with a revoked one, or with another source’s', async () => {
    const { api_key: _, ...noKey } = report();
    const missing = await postForm('requests.json', noKey);
    expect(missing.statusCode).toBe(403);
    expect(missing.json()).toEqual([{ code: 403, description: expect.stringContaining('api_key') }]);
    const revoked = await postForm('requests.xml', report({ api_key: revokedKey }));
    expect(revoked.statusCode).toBe(403);
    expect(xml.parse(revoked.body).errors.error).toEqual([{ code: '403', description: expect.any(String) }]);
    expect((await postForm('requests.json', report({ api_key: policeKey }))).statusCode).toBe(403);
    expect((await postForm('requests.json', report({ api_key: 'x'.repeat(500) }))).statusCode).toBe(403);
  });

  it('400 naming each bad parameter', async () => {
    const { service_code: _, ...noService } = report();
    const a = await postForm('requests.json', noService);
    expect(a.statusCode).toBe(400);
    expect(a.json()).toEqual([
      { code: 400, description: '缺少参数 service_code / Missing parameter service_code' },
    ]);

    const b = await postForm('requests.json', report({ service_code: 'parking' }));
    expect(b.statusCode).toBe(400);
    expect(b.json()[0].description).toContain('service_code has an unknown value: parking');

    const { lat: _lat, long: _long, ...noPlace } = report();
    const c = await postForm('requests.xml', noPlace);
    expect(c.statusCode).toBe(400);
    expect(xml.parse(c.body).errors.error[0].description).toContain('address_string');

    const d = await postForm(
      'requests.json',
      report({
        lat: '91',
        'attribute[people_involved]': '0',
        'attribute[colour]': 'red',
        description: 'x'.repeat(5001),
        media_url: 'javascript:alert(1)',
      }),
    );
    expect(d.statusCode).toBe(400);
    const said = d
      .json()
      .map((e: { description: string }) => e.description)
      .join('\n');
    for (const p of ['lat', 'attribute[people_involved]', 'attribute[colour]', 'description', 'media_url']) {
      expect(said, p).toContain(p);
    }

    // Inside China but outside Wenzhou: the pipeline refuses it, naming the coordinates.
    const e = await postForm('requests.json', report({ long: '120.15', lat: '30.28' }));
    expect(e.statusCode).toBe(400);
    expect(e.json()[0].description).toContain('lat/long');

    const f = await postForm('requests.json', report({ address_string: '火星某某路', long: '', lat: '' }));
    expect(f.statusCode).toBe(400);
    expect(f.json()[0].description).toContain('address_string');
  });

  it('malformed bodies, unknown formats and endpoints', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: `${OPEN311_PREFIX}/requests.json`,
      headers: { 'content-type': 'application/json' },
      payload: '{"api_key":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()[0].code).toBe(400);
    const upload = await t.app.inject({
      method: 'POST',
      url: `${OPEN311_PREFIX}/requests.json`,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      payload: `--b\r\ncontent-disposition: form-data; name="api_key"\r\n\r\n${key}\r\n--b--\r\n`,
    });
    expect(upload.statusCode).toBe(400);
    expect(upload.json()[0].description).toContain('media_url');
    const big = await postForm('requests.json', report({ description: '长'.repeat(20_000) }));
    expect(big.statusCode).toBe(413);
    expect(big.json()[0].code).toBe(413);

    const html = await get('services.html');
    expect(html.statusCode).toBe(404);
    expect(html.json()).toEqual([{ code: 404, description: expect.stringContaining('.json') }]);
    const nowhere = await get('nowhere.xml');
    expect(nowhere.statusCode).toBe(404);
    expect(xml.parse(nowhere.body).errors.error[0].code).toBe('404');
  });

  it('stays out of an OpenAPI document (and so out of the generated web client)', async () => {
    // A bare app with the swagger plugin: the platform's own document is built from every module.
    const bare = Fastify();
    await bare.register(swagger, { openapi: { info: { title: 't', version: '0' } } });
    await bare.register(open311Routes(t.kernel));
    await bare.ready();
    expect(Object.keys(bare.swagger().paths ?? {})).toEqual([]);
    await bare.close();
  });

  it('61 calls a minute from one address: the last is refused with 429', async () => {
    let last = 200;
    for (let i = 0; i < 61 && last !== 429; i++) last = (await get('services/other.json')).statusCode;
    expect(last).toBe(429);
    const r = await get('services/other.xml');
    expect(r.statusCode).toBe(429);
    expect(xml.parse(r.body).errors.error[0].code).toBe('429');
  });
});

describe('helpers', () => {
  it('W3C dates: zones required with a time, impossible dates refused', () => {
    expect(parseW3cDate('2026-11-01T08:00:00+08:00')?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseW3cDate('2026-11-01T00:00:00Z')?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseW3cDate('2026-11-01')?.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(parseW3cDate('2026-11-01T08:00:00')).toBeNull();
    expect(parseW3cDate('2026-02-30')).toBeNull();
    expect(parseW3cDate('2026-11-01T25:00:00Z')).toBeNull();
  });

  it('redaction takes out given names, numbers and e-mail addresses', () => {
    expect(
      redact('张小明（电话 138-0577-1234，身份证 33030219900101123X，邮箱 a.b@c.cn）欠款 12000 元', [
        '张小明',
        '张',
      ]),
    ).toBe('某某（电话 ***，身份证 ***，邮箱 ***）欠款 12000 元');
  });
});
