/**
 * Builds the dispute classifier's data in data/disputes/classifier/:
 *
 *   train.jsonl    400 synthetic entries per category, 'train' templates, seed CORPUS_DEFAULTS.trainSeed
 *   heldout.jsonl  100 per category, the disjoint 'heldout' templates, another seed
 *   model.json     naive Bayes trained on train.jsonl only
 *
 * and prints the held-out evaluation. Every line is `{"text": "<title>。<description>", "category": code}`.
 * The texts come from src/modules/dispute/classifier/corpus.ts; two runs give identical bytes.
 *
 * To train on real records instead: write them as a JSONL of {text, category} and run
 *   npx tsx scripts/dispute-corpus.ts --train path/to/records.jsonl [--heldout path/to/test.jsonl]
 * which writes only model.json (the synthetic files are left alone).
 *
 * Run: npx tsx scripts/dispute-corpus.ts
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLASSIFIER_DATA_DIR,
  DisputeClassifier,
  evaluate,
  formatEvaluation,
  readSamples,
  type Sample,
} from '../src/modules/dispute/classifier/classifier.ts';
import { CORPUS_DEFAULTS, generateCorpus } from '../src/modules/dispute/classifier/corpus.ts';

const { values } = parseArgs({
  options: { train: { type: 'string' }, heldout: { type: 'string' } },
});

const trainFile = join(CLASSIFIER_DATA_DIR, 'train.jsonl');
const heldoutFile = join(CLASSIFIER_DATA_DIR, 'heldout.jsonl');
const modelFile = join(CLASSIFIER_DATA_DIR, 'model.json');

function writeJsonl(file: string, samples: readonly Sample[]): void {
  writeFileSync(
    file,
    `${samples.map((s) => JSON.stringify({ text: s.text, category: s.category })).join('\n')}\n`,
  );
}

mkdirSync(CLASSIFIER_DATA_DIR, { recursive: true });
if (!values.train) {
  const d = CORPUS_DEFAULTS;
  writeJsonl(trainFile, generateCorpus(d.trainPerCategory, d.trainSeed, 'train'));
  writeJsonl(heldoutFile, generateCorpus(d.heldoutPerCategory, d.heldoutSeed, 'heldout'));
}

const train = readSamples(values.train ?? trainFile);
const heldout = readSamples(values.heldout ?? heldoutFile);
const trainTexts = new Set(train.map((s) => s.text));
const leaked = heldout.filter((s) => trainTexts.has(s.text)).length;
if (leaked) console.warn(`warning: ${leaked} held-out texts also appear in the training set`);

const t0 = performance.now();
const model = DisputeClassifier.train(train);
const trainMs = performance.now() - t0;
writeFileSync(modelFile, `${JSON.stringify(model.toJSON())}\n`);

const e = evaluate(model, heldout);
console.log(formatEvaluation(e));
console.log('');
console.log(
  `model.json: ${(statSync(modelFile).size / 1024).toFixed(0)} KiB, ${Object.keys(model.toJSON().words).length} words; trained in ${trainMs.toFixed(0)} ms`,
);
