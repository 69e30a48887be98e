import type { Role } from '../access/roles.ts';
import type { Deadline } from './deadlines.ts';

/**
 * A workflow is declared data: states, transitions and deadlines. The engine (src/core/matters/transition.ts)
 * interprets it; the diagram (toMermaid) is drawn from it; nothing about a line of work is hard-coded in
 * the engine.
 */
export interface StateDef {
  name: { zh: string; en: string };
  kind: 'open' | 'closed';
  deadline?: Deadline;
}

/** Fields a transition may require of the person taking it. */
export type TransitionField = 'note' | 'reason' | 'result' | 'assignee' | 'extensionDays';

/**
 * Whom a transition is for, beyond their role:
 * - `scope`: anyone with the role whose area scope covers the matter (a centre, a commander);
 * - `assignee`: a member of the unit the matter is assigned to (its department at its area), or the person;
 * - `superior`: a role-holder whose scope covers the matter from a higher level than the current assignee.
 */
export type Party = 'scope' | 'assignee' | 'superior';

/** What a transition does besides moving the state; the engine knows each of these. */
export type Effect =
  | 'assign' // sets the assignee from the `assignee` field (分派, 转办)
  | 'unassign' // back to the dispatcher (退回)
  | 'request_extension'
  | 'approve_extension'
  | 'reject_extension'
  | 'supervise' // 督办: a notice, no state change
  | 'pause' // 补正: the clock stops while waiting for the applicant
  | 'resume';

export interface TransitionDef {
  action: string;
  name: { zh: string; en: string };
  from: string[];
  /** Target state; omitted → the state does not change (a note, 督办, an extension request…). */
  to?: string;
  roles: Role[];
  /** Any of these relations qualifies. */
  party: Party[];
  requires?: TransitionField[];
  effect?: Effect;
}

export interface WorkflowDef {
  code: string;
  name: { zh: string; en: string };
  initial: string;
  states: Record<string, StateDef>;
  transitions: TransitionDef[];
}

/** Checks a declaration once, when a type is registered: every state named exists, actions are unique per state. */
export function validateWorkflow(w: WorkflowDef): void {
  const problems: string[] = [];
  if (!w.states[w.initial]) problems.push(`initial state ${w.initial} is not declared`);
  const seen = new Set<string>();
  for (const t of w.transitions) {
    for (const f of t.from) {
      if (!w.states[f]) problems.push(`${t.action}: unknown from-state ${f}`);
      const key = `${f}/${t.action}`;
      if (seen.has(key)) problems.push(`${t.action} declared twice from ${f}`);
      seen.add(key);
    }
    if (t.to && !w.states[t.to]) problems.push(`${t.action}: unknown to-state ${t.to}`);
    if (t.effect === 'assign' && !t.requires?.includes('assignee'))
      problems.push(`${t.action}: assign needs the assignee field`);
    if (t.effect === 'request_extension' && !t.requires?.includes('extensionDays')) {
      problems.push(`${t.action}: request_extension needs extensionDays`);
    }
  }
  if (problems.length) throw new Error(`workflow ${w.code} is invalid:\n  ${problems.join('\n  ')}`);
}

export function transitionsFrom(w: WorkflowDef, state: string): TransitionDef[] {
  return w.transitions.filter((t) => t.from.includes(state));
}

/** A Mermaid state diagram drawn from the declaration; `current` is highlighted. */
export function toMermaid(w: WorkflowDef, current?: string): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
  const lines = ['stateDiagram-v2'];
  for (const [code, s] of Object.entries(w.states)) lines.push(`  ${id(code)} : ${s.name.zh} ${s.name.en}`);
  lines.push(`  [*] --> ${id(w.initial)}`);
  // Actions that do not change the state (处置, 督办, 延期…) would draw a loop on every state: list them in a
  // note beside the state instead, so the diagram shows the path a matter travels.
  const inPlace = new Map<string, string[]>();
  for (const t of w.transitions) {
    for (const f of t.from) {
      if (t.to) lines.push(`  ${id(f)} --> ${id(t.to)} : ${t.name.zh}`);
      else inPlace.set(f, [...(inPlace.get(f) ?? []), t.name.zh]);
    }
  }
  for (const [state, names] of inPlace) lines.push(`  note right of ${id(state)} : ${names.join('、')}`);
  for (const [code, s] of Object.entries(w.states))
    if (s.kind === 'closed') lines.push(`  ${id(code)} --> [*]`);
  if (current && w.states[current]) {
    lines.push('  classDef current fill:#fde68a,stroke:#b45309,stroke-width:2px');
    lines.push(`  class ${id(current)} current`);
  }
  return lines.join('\n');
}
