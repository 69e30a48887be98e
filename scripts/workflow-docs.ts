/**
 * Writes docs/WORKFLOWS.md from the declared workflows, so that the documentation never draws a state
 * machine by hand. `npx tsx scripts/workflow-docs.ts` (a test fails when the file is stale).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { matterTypes } from '../src/core/matters/registry.ts';
import { describeDeadline } from '../src/core/workflow/deadlines.ts';
import { toMermaid } from '../src/core/workflow/workflow.ts';
import { registerModules } from '../src/modules/index.ts';

export const WORKFLOWS_DOC = fileURLToPath(new URL('../docs/WORKFLOWS.md', import.meta.url));

export function renderWorkflowDocs(): string {
  registerModules();
  const out = [
    '# Workflows',
    '',
    'Generated from the declarations in `src/modules/*/` by `npx tsx scripts/workflow-docs.ts`; do not edit by hand.',
    'The API serves the same diagrams at `GET /api/matter-types/{code}/workflow`.',
  ];
  for (const t of matterTypes()) {
    const w = t.workflow;
    out.push(
      '',
      `## ${t.name.zh} ${t.name.en} (\`${t.code}\`, numbers \`${t.prefix}-…\`)`,
      '',
      '```mermaid',
      toMermaid(w),
      '```',
      '',
    );
    out.push('| state | kind | default deadline |', '|---|---|---|');
    for (const [code, s] of Object.entries(w.states)) {
      out.push(
        `| \`${code}\` ${s.name.zh} ${s.name.en} | ${s.kind} | ${s.deadline ? describeDeadline(s.deadline) : '—'} |`,
      );
    }
    out.push('', '| action | from → to | who | requires |', '|---|---|---|---|');
    for (const x of w.transitions) {
      out.push(
        `| \`${x.action}\` ${x.name.zh} | ${x.from.join(', ')} → ${x.to ?? '(same)'} | ${x.roles.join(', ')} (${x.party.join(' or ')}) | ${(x.requires ?? []).join(', ') || '—'} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  fs.writeFileSync(WORKFLOWS_DOC, renderWorkflowDocs());
  console.log(`wrote ${WORKFLOWS_DOC}`);
}
