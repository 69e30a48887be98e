import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORY_CODES } from '../dispute.schema.ts';
import {
  CLASSIFIER_DATA_DIR,
  DisputeClassifier,
  defaultClassifier,
  evaluate,
  formatEvaluation,
  readSamples,
  type Sample,
} from './classifier.ts';
import { CORPUS_DEFAULTS, generateCorpus, generateDisputeText, sampleText, seededRng } from './corpus.ts';

/**
 * Measured on the shipped corpus (6 400 training texts; 1 600 held-out texts written with templates the
 * model never saw): 92.4 %; across five other seed pairs 92.5–93.3 %. The bar sits a little below, so
 * that a harmless change to the templates does not fail the build while a broken tokenizer or smoothing
 * would (a model that memorised phrasing scores 100 % on its own templates and far less here).
 */
const HELDOUT_ACCURACY = 0.9;

const THREAT = /拼命|拼了|同归于尽|报复|汽油|农药|砍人|打残|放火|跳下去|鱼死网破|铁棍|以死相逼/;

let train: Sample[];
let heldout: Sample[];
let model: DisputeClassifier;

beforeAll(() => {
  train = readSamples(`${CLASSIFIER_DATA_DIR}train.jsonl`);
  heldout = readSamples(`${CLASSIFIER_DATA_DIR}heldout.jsonl`);
  model = DisputeClassifier.train(train);
});

describe('dispute classifier', () => {
  it(`scores at least ${HELDOUT_ACCURACY * 100}% on the held-out set`, () => {
    const e = evaluate(model, heldout);
    expect(e.samples).toBe(heldout.length);
    expect(e.trainedOn).toBe(train.length);
    expect(e.accuracy).toBeGreaterThanOrEqual(HELDOUT_ACCURACY);
    // Every category is learned, not just the easy ones.
    for (const p of e.perCategory) expect(p.recall, p.category).toBeGreaterThan(0.5);
    expect(e.confusion.flat().reduce((a, b) => a + b, 0)).toBe(heldout.length);
  });

  it('never saw a held-out text while training', () => {
    const seen = new Set(train.map((s) => s.text));
    expect(heldout.filter((s) => seen.has(s.text))).toEqual([]);
    // Both files hold every category.
    expect(new Set(train.map((s) => s.category)).size).toBe(CATEGORY_CODES.length);
    expect(new Set(heldout.map((s) => s.category)).size).toBe(CATEGORY_CODES.length);
  });

  it('explains a prediction with words of the text', () => {
    for (const s of heldout.slice(0, 400)) {
      const p = model.predict(s.text);
      expect(p.words.length).toBeGreaterThan(0);
      expect(p.words.length).toBeLessThanOrEqual(5);
      for (const w of p.words) expect(s.text.toLowerCase()).toContain(w);
      expect(p.confidence).toBeGreaterThan(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('classifies a plain registry entry', () => {
    const p = model.predict(
      '某建筑工地20余名工人反映包工头拖欠2025年下半年工资共计38万元，多次讨要未果，要求劳动监察部门介入。',
    );
    expect(p.category).toBe('labour');
    expect(p.words.some((w) => ['工资', '讨要', '工地', '劳动', '工人', '拖欠', '包工头'].includes(w))).toBe(
      true,
    );
    expect(model.predict('因楼上住户装修漏水导致楼下天花板受损，双方协商赔偿未果发生口角').category).toBe(
      'neighbour',
    );
  });

  it('predicts identically after toJSON / fromJSON', () => {
    const copy = DisputeClassifier.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    for (const s of heldout.slice(0, 300)) expect(copy.predict(s.text)).toEqual(model.predict(s.text));
    expect(() => DisputeClassifier.fromJSON({ format: 'something else' })).toThrow();
    expect(() => DisputeClassifier.fromJSON(null)).toThrow();
  });

  it('ships a model.json that is small and as good as a fresh one', () => {
    const file = `${CLASSIFIER_DATA_DIR}model.json`;
    expect(fs.statSync(file).size).toBeLessThan(2 * 1024 * 1024);
    const shipped = defaultClassifier();
    expect(defaultClassifier()).toBe(shipped);
    expect(evaluate(shipped, heldout).accuracy).toBeGreaterThanOrEqual(HELDOUT_ACCURACY);
  });

  it('prints a readable report with Chinese category names', () => {
    const report = formatEvaluation(evaluate(model, heldout.slice(0, 320)));
    expect(report).toContain('准确率');
    for (const name of ['婚姻家庭', '劳动争议', '知识产权', '其他']) expect(report).toContain(name);
  });

  it('handles empty and unusual text', () => {
    for (const text of ['', '。。。', '12345', 'ABC 公司 KTV', '张某某']) {
      const p = model.predict(text);
      expect(CATEGORY_CODES).toContain(p.category);
      expect(Number.isFinite(p.confidence)).toBe(true);
    }
    expect(model.predict('张某某').words).toEqual([]);
  });
});

describe('dispute text generator', () => {
  it('is deterministic for a seed', () => {
    const a = generateCorpus(5, 99, 'heldout');
    expect(generateCorpus(5, 99, 'heldout')).toEqual(a);
    expect(generateCorpus(5, 100, 'heldout')).not.toEqual(a);
    const one = (seed: number) => generateDisputeText('medical', seededRng(seed), { threat: true });
    expect(one(7)).toEqual(one(7));
  });

  it('writes titles and 40–300 character descriptions for every category and variant', () => {
    const rng = seededRng(1);
    for (const category of CATEGORY_CODES) {
      for (const variant of ['train', 'heldout'] as const) {
        for (let i = 0; i < 60; i++) {
          const t = generateDisputeText(category, rng, { variant, threat: i % 3 === 0 });
          expect(t.category).toBe(category);
          expect(t.title.length).toBeGreaterThan(0);
          expect(t.description.length).toBeGreaterThanOrEqual(40);
          expect(t.description.length).toBeLessThanOrEqual(300);
          expect(`${t.title}${t.description}`).not.toMatch(/[{}[\]]/);
        }
      }
    }
  });

  it('inserts a threat only when asked', () => {
    const rng = seededRng(2);
    for (const category of CATEGORY_CODES) {
      for (let i = 0; i < 20; i++) {
        expect(generateDisputeText(category, rng, { threat: true }).description).toMatch(THREAT);
        expect(generateDisputeText(category, rng, { threat: false }).description).not.toMatch(THREAT);
      }
    }
  });

  it('uses the parties, place and amount it is given', () => {
    const rng = seededRng(3);
    for (const category of CATEGORY_CODES) {
      for (let i = 0; i < 10; i++) {
        const t = generateDisputeText(category, rng, {
          place: '鹿城区五马街道',
          partyA: '郑某某',
          partyB: '应某',
          amount: 380000,
        });
        expect(t.description).toContain('郑某某');
        expect(t.description).toContain('鹿城区五马街道');
        const amounts = `${t.title}${t.description}`.match(/[\d.]+万?元/g) ?? [];
        for (const a of amounts) if (a.includes('万')) expect(a).toBe('38万元');
      }
    }
  });

  it('gives the held-out variant other wording than the training one', () => {
    const train = new Set(generateCorpus(50, 1, 'train').map((s) => s.text));
    const held = generateCorpus(50, 1, 'heldout');
    expect(held.filter((s) => train.has(s.text))).toEqual([]);
    expect(sampleText({ title: '标题', description: '内容', category: 'other' })).toBe('标题。内容');
    expect(CORPUS_DEFAULTS.trainSeed).not.toBe(CORPUS_DEFAULTS.heldoutSeed);
  });
});
