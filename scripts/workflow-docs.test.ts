import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderWorkflowDocs, WORKFLOWS_DOC } from './workflow-docs.ts';

describe('docs/WORKFLOWS.md', () => {
  it('matches the declared workflows (regenerate with npx tsx scripts/workflow-docs.ts)', () => {
    expect(fs.readFileSync(WORKFLOWS_DOC, 'utf8')).toBe(renderWorkflowDocs());
  });
});
