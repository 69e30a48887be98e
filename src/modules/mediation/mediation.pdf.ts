import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import { cstDate } from '../../core/workflow/deadlines.ts';
import type { AgreementDoc } from './mediation.service.ts';

/**
 * The written agreement (人民调解协议书) as a PDF: the fields 人民调解法 art. 29 requires, in Noto Sans SC
 * (from the npm package @expo-google-fonts/noto-sans-sc, read from disk — nothing is downloaded), embedded as a
 * subset so that a two-page agreement stays small.
 */
const require = createRequire(import.meta.url);
const FONT_PATH = require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');
export const PDF_FONT_NAME = 'NotoSansSC-Regular';

let fontBytes: Buffer | null = null;
const font = () => {
  fontBytes ??= fs.readFileSync(FONT_PATH);
  return fontBytes;
};

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const GENDER_AGE = (p: { gender: string; age: number }) => `${p.gender}，${p.age} 岁`;

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
  private ensure(h: number) {
    if (this.y - h < MARGIN) {
      this.page = this.doc.addPage(A4);
      this.y = A4[1] - MARGIN;
    }
  }
  /** Wraps by glyph width: Chinese has no spaces to break at. */
  private lines(text: string, size: number, width: number): string[] {
    const out: string[] = [];
    for (const para of text.split(/\r?\n/)) {
      let line = '';
      for (const ch of para) {
        if (this.f.widthOfTextAtSize(line + ch, size) > width) {
          out.push(line);
          line = ch;
        } else line += ch;
      }
      out.push(line);
    }
    return out;
  }
  text(text: string, size = 11, opts: { center?: boolean; indent?: number; gap?: number } = {}) {
    const width = A4[0] - 2 * MARGIN - (opts.indent ?? 0);
    for (const line of this.lines(text, size, width)) {
      this.ensure(size * 1.6);
      const w = this.f.widthOfTextAtSize(line, size);
      const x = opts.center ? (A4[0] - w) / 2 : MARGIN + (opts.indent ?? 0);
      this.page.drawText(line, { x, y: this.y - size, size, font: this.f, color: rgb(0, 0, 0) });
      this.y -= size * 1.6;
    }
    this.y -= opts.gap ?? 4;
  }
  section(title: string, body: string) {
    this.text(title, 12, { gap: 2 });
    this.text(body, 11, { indent: 12, gap: 8 });
  }
}

export async function agreementPdf(a: AgreementDoc): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  // A subset font is named TAG+Name (ISO 32000-1 §9.6.4): six capitals, here from the case number.
  const tag = [...createHash('sha256').update(a.number).digest()]
    .slice(0, 6)
    .map((b) => String.fromCharCode(65 + (b % 26)))
    .join('');
  const f = await doc.embedFont(font(), { subset: true, customName: `${tag}+${PDF_FONT_NAME}` });
  doc.setTitle(`人民调解协议书 ${a.number}`);
  doc.setSubject('人民调解协议书 / People’s mediation agreement');
  doc.setCreator('Zhili 治理');
  doc.setProducer('Zhili 治理 (pdf-lib)');
  doc.setCreationDate(a.agreedAt);
  const w = new Writer(doc, f);
  w.text(a.committeeName, 14, { center: true, gap: 2 });
  w.text('人民调解协议书', 20, { center: true, gap: 2 });
  w.text(`编号：${a.number}`, 10, { center: true, gap: 14 });
  w.text('当事人基本情况', 12, { gap: 2 });
  for (const p of a.parties) {
    w.text(`${p.role}：${p.name}，${GENDER_AGE(p)}，公民身份号码 ${p.idNumber}，住址：${p.address}`, 11, {
      indent: 12,
      gap: 2,
    });
  }
  w.text('', 6);
  w.section('纠纷的主要事实', a.facts);
  w.section('争议事项', a.issues);
  w.section('各方当事人的责任', a.responsibility);
  w.section('经调解，各方当事人自愿达成如下协议', a.terms);
  w.section('履行方式', a.performanceMethod);
  w.section('履行期限', `${a.performanceDeadline} 前履行完毕`);
  w.text(
    '本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。' +
      '当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。',
    10,
    { gap: 14 },
  );
  const mark = (b: boolean) => (b ? '已' : '未');
  w.text(
    `当事人（签名、盖章或按指印）：${a.parties.map((p) => p.name).join('、')}　　${mark(a.signedByParties)}签署`,
    11,
  );
  w.text(`人民调解员（签名）：${a.mediatorName}　　${mark(a.mediatorSigned)}签名`, 11);
  w.text(`${a.committeeName}（印章）　　${mark(a.committeeSealed)}盖章`, 11);
  w.text(`${cstDate(a.agreedAt)}`, 11);
  return doc.save();
}
