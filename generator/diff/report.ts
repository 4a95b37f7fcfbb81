/**
 * The diff's reports: markdown for a pull-request comment (summary line,
 * then one section per class, most severe first) and JSON for programs.
 */
import type { Change, OwnerKind } from './diff.js';
import { CLASSES, RULES, type ChangeClass, type Rule, type RuleId } from './rules.js';

export type Summary = Record<ChangeClass, number> & { total: number };

export function summarize(changes: readonly Change[]): Summary {
  const s: Summary = { total: changes.length, breaking: 0, review: 0, compatible: 0, notice: 0 };
  for (const c of changes) s[c.class]++;
  return s;
}

/** What the classes mean, for the report's legend. */
export const CLASS_MEANING: Record<ChangeClass, string> = {
  breaking: 'the compatibility rules name it incompatible: a client that worked may fail',
  review: 'the rules do not settle it (or only under conditions the schema cannot show): decide',
  compatible: 'the rules name it compatible: clients oblivious of it keep working',
  notice: 'nothing on the wire changes, but worth knowing (deprecations, stability, type names)',
};

const TITLE: Record<ChangeClass, string> = { breaking: 'Breaking', review: 'Review', compatible: 'Compatible', notice: 'Notice' };
const GROUP: Record<OwnerKind, string> = { command: 'Commands', event: 'Events', type: 'Types' };

/** Sections with more changes than this are folded (`<details>`), so a long report stays readable. */
const FOLD_ABOVE = 20;

function ownerText(c: Change): string {
  return c.owner === 'type' ? `${c.meta} \`${c.name}\`` : `\`${c.name}\``;
}

function line(c: Change): string {
  let text = `- ${ownerText(c)}: ${c.text}`;
  // A note joins the text's parenthesis, if it ends with one.
  if (c.note !== undefined) text = text.endsWith(')') ? `${text.slice(0, -1)}; ${c.note})` : `${text} (${c.note})`;
  const d = c.directions;
  if (d?.input && d.output && d.input.class !== d.output.class) text += ` — as input: ${d.input.class}, as output: ${d.output.class}`;
  return text;
}

/** The rules the changes were classed by, in the order of RULES. */
function rulesUsed(changes: readonly Change[]): RuleId[] {
  const used = new Set<RuleId>();
  for (const c of changes) {
    used.add(c.rule);
    for (const d of Object.values(c.directions ?? {})) used.add(d.rule);
  }
  return (Object.keys(RULES) as RuleId[]).filter((r) => used.has(r));
}

/** The markdown report: `oldLabel` and `newLabel` name the two schemas as the user gave them. */
export function markdownReport(changes: readonly Change[], oldLabel: string, newLabel: string): string {
  const s = summarize(changes);
  const out: string[] = ['## QAPI API changes', '', `\`${oldLabel}\` → \`${newLabel}\``, ''];
  out.push(`**${s.total} ${s.total === 1 ? 'change' : 'changes'}:** ${CLASSES.map((c) => `${s[c]} ${c}`).join(', ')}`);
  if (s.total === 0) {
    out.push('', 'No API changes.');
    return out.join('\n') + '\n';
  }
  for (const cls of CLASSES) {
    const of = changes.filter((c) => c.class === cls);
    if (of.length === 0) continue;
    const fold = of.length > FOLD_ABOVE;
    out.push('', `### ${TITLE[cls]} (${of.length})`, '');
    if (fold) out.push(`<details><summary>${of.length} ${cls} changes</summary>`, '');
    let first = true;
    for (const owner of ['command', 'event', 'type'] as const) {
      const group = of.filter((c) => c.owner === owner);
      if (group.length === 0) continue;
      if (!first) out.push('');
      first = false;
      out.push(`**${GROUP[owner]}**`, '', ...group.map(line));
    }
    if (fold) out.push('', '</details>');
  }
  out.push('', '<details><summary>Classes and rules</summary>', '');
  for (const cls of CLASSES) out.push(`- **${cls}**: ${CLASS_MEANING[cls]}`);
  out.push('');
  for (const id of rulesUsed(changes)) {
    const r: Rule = RULES[id];
    out.push(`- \`${id}\`: ${r.text} (${r.source})`);
  }
  out.push('', '</details>');
  return out.join('\n') + '\n';
}

/** The JSON report: the summary, every change, and the rules they were classed by. */
export function jsonReport(changes: readonly Change[], oldLabel: string, newLabel: string): string {
  const rules: Record<string, Rule> = {};
  for (const id of rulesUsed(changes)) rules[id] = RULES[id];
  return JSON.stringify({ old: oldLabel, new: newLabel, summary: summarize(changes), classes: CLASS_MEANING, changes, rules }, null, 2) + '\n';
}
