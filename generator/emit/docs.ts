/**
 * Doc comments for the generated code: QAPI's rST doc text converted to
 * TSDoc/markdown, with `@since`, `@deprecated`, `@experimental`, other
 * features, conditions and `qmp-example` blocks as `@example`.
 */
import type { DocArgSection, QapiDoc } from '../parse/doc.js';
import type { IfCond, SchemaFeature, SchemaMember } from '../model/entities.js';
import type { QapiSchema } from '../model/schema.js';

export interface DocTag {
  tagName: string;
  text?: string;
}

/** One doc comment, before rendering. */
export interface DocBlock {
  description: string;
  tags: DocTag[];
}

/** Finds the doc text that belongs to each member, value, branch and feature. */
export class DocIndex {
  private readonly sections = new Map<SchemaMember, DocArgSection>();

  constructor(
    schema: QapiSchema,
    /** Resolves a name used in doc text to a linkable TypeScript identifier, or null. */
    readonly linkTarget: (name: string) => string | null,
  ) {
    for (const doc of schema.docs) {
      for (const s of [...doc.args.values(), ...doc.features.values()]) {
        for (const m of s.connected) this.sections.set(m as SchemaMember, s);
      }
    }
  }

  textOf(member: SchemaMember): string {
    return normalizeIndent(this.sections.get(member)?.text ?? '');
  }

  /** Doc block for a definition (type, command, event). */
  forDefinition(doc: QapiDoc | null, ifcond: IfCond, features: SchemaFeature[], extra: { returns?: boolean } = {}): DocBlock {
    const parts: string[] = [];
    const tags: DocTag[] = [];
    const examples: string[] = [];
    if (doc) {
      parts.push(this.convert(doc.body.text, examples));
      for (const s of doc.sections) {
        const text = s.kind === 'Plain' ? s.text : normalizeIndent(s.text);
        if (s.kind === 'Plain') parts.push(this.convert(text, examples));
        else if (s.kind === 'Returns' && extra.returns !== false) tags.push({ tagName: 'returns', text: this.convert(text, examples) });
        else if (s.kind === 'Errors') tags.push({ tagName: 'throws', text: this.convert(text, examples) });
      }
      if (doc.since) tags.push({ tagName: 'since', text: oneLine(doc.since.text) });
    }
    this.addMeta(parts, tags, ifcond, features);
    for (const e of examples) tags.push({ tagName: 'example', text: e });
    return { description: parts.filter(Boolean).join('\n\n'), tags };
  }

  /** Doc block for a member, enum value or branch. */
  forMember(member: SchemaMember, features: SchemaFeature[] = []): DocBlock {
    const parts: string[] = [];
    const tags: DocTag[] = [];
    const examples: string[] = [];
    parts.push(this.convert(this.textOf(member), examples));
    this.addMeta(parts, tags, member.ifcond, features);
    for (const e of examples) tags.push({ tagName: 'example', text: e });
    return { description: parts.filter(Boolean).join('\n\n'), tags };
  }

  private addMeta(parts: string[], tags: DocTag[], ifcond: IfCond, features: SchemaFeature[]): void {
    if (ifcond.isPresent()) parts.push(`Only available if \`${ifcond.describe()}\`.`);
    const other: string[] = [];
    for (const f of features) {
      const text = this.convert(this.textOf(f), []);
      const cond = f.ifcond.isPresent() ? ` (if \`${f.ifcond.describe()}\`)` : '';
      if (f.name === 'deprecated') tags.push({ tagName: 'deprecated', text: (text || 'Deprecated.') + cond });
      else if (f.name === 'unstable') {
        tags.push({ tagName: 'experimental' });
        parts.push(`Unstable${cond}: ${text || 'this is experimental and may change or go away.'}`);
      } else other.push(`- \`${f.name}\`${cond}${text ? `: ${text}` : ''}`);
    }
    if (other.length) parts.push(`Features:\n${other.join('\n')}`);
  }

  /** rST to TSDoc markdown; `.. qmp-example::` blocks are moved into `examples`. */
  convert(text: string, examples: string[]): string {
    if (!text) return '';
    const lines = text.split('\n');
    const out: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const directive = /^(\s*)\.\. ([A-Za-z-]+)::\s*(.*)$/.exec(line);
      if (directive) {
        const [, indent, name, arg] = directive;
        const block: string[] = [];
        let j = i + 1;
        for (; j < lines.length; j++) {
          const l = lines[j]!;
          if (l.trim() !== '' && indentWidth(l) <= indent!.length) break;
          block.push(l);
        }
        i = j - 1;
        const body = dedent(block);
        if (name === 'qmp-example') {
          const title = /^:title:\s*(.*)$/m.exec(body)?.[1] ?? '';
          const content = body.replace(/^:(title|annotated):.*\n?/gm, '').replace(/^\n+|\n+$/g, '');
          examples.push(`${title ? this.inline(title) : ''}\n\`\`\`\n${escapeComment(content)}\n\`\`\``);
        } else if (name === 'code-block' || name === 'code') {
          out.push('```' + (arg ?? ''), escapeComment(body.replace(/^\n+|\n+$/g, '')), '```');
        } else {
          // `.. note:: text` carries its first line on the directive line; an admonition's is its title.
          const label = name === 'admonition' ? arg! : name!.charAt(0).toUpperCase() + name!.slice(1) + ':';
          const content = [name === 'admonition' ? '' : arg!, body.replace(/^\n+/, '')].filter(Boolean).join('\n');
          out.push(`**${this.inline(label)}** ${this.convertProse(content)}`.trimEnd());
        }
        continue;
      }
      // A paragraph ending in '::' introduces a literal block.
      if (/::\s*$/.test(line) && i + 1 < lines.length) {
        const indent = indentWidth(line);
        const block: string[] = [];
        let j = i + 1;
        for (; j < lines.length; j++) {
          const l = lines[j]!;
          if (l.trim() !== '' && indentWidth(l) <= indent) break;
          block.push(l);
        }
        const intro = line.replace(/\s*::\s*$/, line.trim() === '::' ? '' : ':');
        if (intro.trim()) out.push(this.convertProse(intro));
        out.push('```', escapeComment(dedent(block).replace(/^\n+|\n+$/g, '')), '```');
        i = j - 1;
        continue;
      }
      out.push(this.convertProse(line));
    }
    return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  }

  private convertProse(text: string): string {
    return text
      .split('\n')
      .map((l) => this.inline(l))
      .join('\n');
  }

  /** Inline markup: ``literal``, `Ref`, @member. */
  private inline(s: string): string {
    const pieces = s.split(/(``[^`]+``)/);
    return escapeComment(
      pieces
        .map((p, idx) => {
          if (idx % 2 === 1) return '`' + p.slice(2, -2) + '`';
          return p
            .replace(/`([^`]+)`/g, (_m, name: string) => this.ref(name.replace(/^~/, '')))
            .replace(/(^|[\s(["'])@([A-Za-z_][\w.-]*[\w])/g, (_m, pre: string, name: string) => pre + this.ref(name))
            .replace(/(^|\s)@/g, '$1\\@');
        })
        .join(''),
    );
  }

  private ref(name: string): string {
    const target = this.linkTarget(name);
    return target ? `{@link ${target}}` : '`' + name + '`';
  }
}

/** A description's continuation lines are indented under its tag; drop that indentation. */
function normalizeIndent(text: string): string {
  const lines = text.split('\n');
  if (lines.length < 2) return text;
  return [lines[0]!, dedent(lines.slice(1))].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function indentWidth(line: string): number {
  return /^\s*/.exec(line)![0].length;
}

function dedent(lines: string[]): string {
  const widths = lines.filter((l) => l.trim()).map(indentWidth);
  const min = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(min)).join('\n');
}

/** Text inside a block comment must not close it. */
export function escapeComment(text: string): string {
  return text.replace(/\*\//g, '*\\/');
}

/** Renders a doc block as a `/** … *\/` comment (for places ts-morph structures don't reach). */
export function renderDoc(block: DocBlock, indent = ''): string {
  const lines: string[] = [];
  if (block.description) lines.push(...block.description.split('\n'));
  for (const t of block.tags) {
    const text = t.text ? ' ' + t.text : '';
    lines.push(...`@${t.tagName}${text}`.split('\n'));
  }
  if (!lines.length) return '';
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? ' ' + l : ''}`).join('\n')}\n${indent} */\n`;
}

export function isEmptyDoc(block: DocBlock): boolean {
  return !block.description && !block.tags.length;
}
