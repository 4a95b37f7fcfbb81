/**
 * Doc comments for the generated code: QAPI's rST doc text converted to
 * TSDoc/markdown, with `@since`, `@deprecated`, `@experimental`, other
 * features (each text written once), conditions, notes as `@remarks`, "Errors:"
 * items as `@throws` and `qmp-example` blocks as `@example`.
 */
import type { DocArgSection, QapiDoc } from '../parse/doc.js';
import { SchemaArrayType, SchemaBuiltinType, SchemaObjectTypeMember, type IfCond, type SchemaFeature, type SchemaMember, type SchemaType } from '../model/entities.js';
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

/** Where a feature's description is written in full: on the definition its doc comment belongs to, or on its only user. */
type FeatureHome = 'definition' | SchemaMember;

/** What a conversion moves out of the running text: `qmp-example` blocks and notes. */
interface Extracted {
  examples: string[];
  /** Note admonitions, for `@remarks`; when absent, notes stay in the text with a bold label. */
  remarks?: string[];
}

/** Finds the doc text that belongs to each member, value, branch and feature. */
export class DocIndex {
  private readonly sections = new Map<SchemaMember, DocArgSection>();
  /** Feature sections: the doc comment each belongs to, and where its text goes. */
  private readonly featureDoc = new Map<DocArgSection, QapiDoc>();
  private readonly featureHome = new Map<DocArgSection, FeatureHome>();

  constructor(
    private readonly schema: QapiSchema,
    /** Resolves a name used in doc text to a linkable TypeScript identifier, or null. */
    readonly linkTarget: (name: string) => string | null,
  ) {
    const ofDefinitions = new Set<SchemaMember>();
    for (const d of schema.definitions) for (const f of d.features) ofDefinitions.add(f);
    for (const doc of schema.docs) {
      for (const s of doc.args.values()) {
        for (const m of s.connected) this.sections.set(m as SchemaMember, s);
      }
      for (const s of doc.features.values()) {
        for (const m of s.connected) this.sections.set(m as SchemaMember, s);
        // One feature section serves the definition and every member that has the feature
        // (`@unstable: Members @a and @b are experimental.`). Copied into each member, one
        // change of that text would be a hunk per member in a review. It is written once:
        // on the definition, which is what such a text describes, and which the members'
        // hovers link to; each member keeps its `@experimental` / `@deprecated` tag, which
        // editors act on (badges, strike-through), with a short "see {@link Type}". A text
        // that serves one member only is written on that member, where its reader looks.
        const users = new Set(s.connected as SchemaMember[]);
        const only = users.size === 1 ? [...users][0]! : null;
        this.featureDoc.set(s, doc);
        this.featureHome.set(s, only && !ofDefinitions.has(only) ? only : 'definition');
      }
    }
  }

  textOf(member: SchemaMember): string {
    return dedentSection(this.sections.get(member)?.text ?? '');
  }

  /** Doc block for a definition (type, command, event). */
  forDefinition(doc: QapiDoc | null, ifcond: IfCond, features: SchemaFeature[], extra: { returns?: boolean } = {}): DocBlock {
    const parts: string[] = [];
    const tags: DocTag[] = [];
    const x: Extracted = { examples: [], remarks: [] };
    if (doc) {
      parts.push(this.convert(doc.body.text, x));
      for (const s of doc.sections) {
        if (s.kind === 'Plain') {
          // An old-style 'Note:' section, kept as text under --lenient-docs.
          const note = /^Notes?:[ \t]*/.exec(s.text);
          if (note) x.remarks!.push(this.convert(dedentSection(s.text.slice(note[0].length)), x));
          else parts.push(this.convert(s.text, x));
        } else if (s.kind === 'Returns' && extra.returns !== false) tags.push({ tagName: 'returns', text: this.convert(dedentSection(s.text), x) });
        // One `@throws` per item of the list QEMU writes under "Errors:".
        else if (s.kind === 'Errors') for (const item of listItems(dedentSection(s.text))) tags.push({ tagName: 'throws', text: this.convert(item, x) });
      }
      if (doc.since) tags.push({ tagName: 'since', text: oneLine(doc.since.text) });
    }
    this.definitionFeatures(parts, tags, doc, ifcond, features);
    return finish(parts, tags, x);
  }

  /** Doc block for a member, enum value or branch. */
  forMember(member: SchemaMember, features: SchemaFeature[] = []): DocBlock {
    const parts: string[] = [];
    const tags: DocTag[] = [];
    const x: Extracted = { examples: [], remarks: [] };
    parts.push(this.convert(this.textOf(member), x));
    if (member instanceof SchemaObjectTypeMember) parts.push(integerRange(member.type) ?? '');
    if (member.ifcond.isPresent()) parts.push(`Only available if \`${member.ifcond.describe()}\`.`);
    const other: string[] = [];
    for (const f of features) {
      const s = this.sections.get(f);
      const home = s ? this.featureHome.get(s) : undefined;
      if (!s || home !== 'definition') this.feature(parts, tags, other, f.name, this.featureText(f), f);
      else this.featureReference(parts, tags, other, f, this.homeOf(s));
    }
    if (other.length) parts.push(`Features:\n${other.join('\n')}`);
    return finish(parts, tags, x);
  }

  /** The definition's own features, and the feature texts written on it for its members. */
  private definitionFeatures(parts: string[], tags: DocTag[], doc: QapiDoc | null, ifcond: IfCond, features: SchemaFeature[]): void {
    if (ifcond.isPresent()) parts.push(`Only available if \`${ifcond.describe()}\`.`);
    const other: string[] = [];
    const done = new Set<string>();
    for (const s of doc?.features.values() ?? []) {
      const own = features.find((f) => f.name === s.name) ?? null;
      if (this.featureHome.get(s) !== 'definition' || (!own && !s.connected.length)) continue;
      done.add(s.name);
      this.feature(parts, tags, other, s.name, this.convert(dedentSection(s.text), { examples: [] }), own);
    }
    for (const f of features) if (!done.has(f.name)) this.feature(parts, tags, other, f.name, this.featureText(f), f);
    if (other.length) parts.push(`Features:\n${other.join('\n')}`);
  }

  private featureText(f: SchemaFeature): string {
    return this.convert(this.textOf(f), { examples: [] });
  }

  /**
   * A feature's text in full. `own` is the feature when the documented thing has it (it then
   * gets the `@deprecated` / `@experimental` tag); null for a text written on a definition for
   * its members.
   */
  private feature(parts: string[], tags: DocTag[], other: string[], name: string, text: string, own: SchemaFeature | null): void {
    const cond = own?.ifcond.isPresent() ? ` (if \`${own.ifcond.describe()}\`)` : '';
    if (name === 'deprecated') {
      if (own) tags.push({ tagName: 'deprecated', text: (text || 'Deprecated.') + cond });
      else parts.push(`Deprecated: ${text}`);
    } else if (name === 'unstable') {
      if (own) tags.push({ tagName: 'experimental' });
      parts.push(`Unstable${cond}: ${text || 'this is experimental and may change or go away.'}`);
    } else other.push(listItem(`\`${name}\`${cond}${text ? `: ${text}` : ''}`));
  }

  /** A member's feature whose text is on its definition: the tag, and where to read the text. */
  private featureReference(parts: string[], tags: DocTag[], other: string[], f: SchemaFeature, home: string): void {
    const cond = f.ifcond.isPresent() ? ` (if \`${f.ifcond.describe()}\`)` : '';
    if (f.name === 'deprecated') tags.push({ tagName: 'deprecated', text: `See ${home}.${cond}` });
    else if (f.name === 'unstable') {
      tags.push({ tagName: 'experimental' });
      parts.push(`Unstable${cond}: see ${home}.`);
    } else other.push(`- \`${f.name}\`${cond}: see ${home}.`);
  }

  /** The definition a feature section belongs to, as doc text: a link to its type, or a command's or event's name. */
  private homeOf(s: DocArgSection): string {
    const symbol = this.featureDoc.get(s)?.symbol ?? '';
    const target = this.linkTarget(symbol);
    if (target) return `{@link ${target}}`;
    const meta = this.schema.lookupEntity(symbol)?.meta;
    return (meta === 'command' || meta === 'event' ? meta + ' ' : '') + '`' + symbol + '`';
  }

  /**
   * rST to TSDoc markdown. `.. qmp-example::` blocks are moved into `examples` (an array, or
   * an {@link Extracted}); notes into its `remarks`, if it has them.
   */
  convert(text: string, into: string[] | Extracted): string {
    const x: Extracted = Array.isArray(into) ? { examples: into } : into;
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
          x.examples.push(`${title ? this.inline(title) : ''}\n\`\`\`\n${escapeComment(content)}\n\`\`\``);
        } else if (name === 'code-block' || name === 'code') {
          out.push('```' + (arg ?? ''), escapeComment(body.replace(/^\n+|\n+$/g, '')), '```');
        } else {
          // `.. note:: text` carries its first line on the directive line; an admonition's is its title.
          const admonition = name === 'admonition';
          const content = [admonition ? '' : arg!, body.replace(/^\n+/, '')].filter(Boolean).join('\n');
          const isNote = name === 'note' || (admonition && /^notes?$/i.test(arg!.trim()));
          if (isNote && x.remarks) {
            x.remarks.push(this.convert(content, x));
            continue;
          }
          const label = admonition ? arg! : name!.charAt(0).toUpperCase() + name!.slice(1) + ':';
          const converted = this.convert(content, x);
          // A list or a second paragraph can't follow the label on its line.
          const sep = LIST_ITEM.test(converted) || converted.includes('\n\n') ? '\n' : ' ';
          out.push(`**${this.inline(label)}**${sep}${converted}`.trimEnd());
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

  /** Inline markup: ``literal``, `Ref` and rST roles, @member. */
  private inline(s: string): string {
    const pieces = s.split(/(``[^`]+``)/);
    return escapeComment(
      pieces
        .map((p, idx) => {
          if (idx % 2 === 1) return '`' + p.slice(2, -2) + '`';
          return p
            .replace(/(?::([A-Za-z][\w-]*(?::[\w-]+)*):)?`([^`]+)`/g, (_m, role: string | undefined, body: string) => this.role(role ?? '', body))
            .replace(/(^|[\s(["'])@([A-Za-z_](?:[\w.-]*\w)?)/g, (_m, pre: string, name: string) => pre + this.ref(name))
            .replace(/(^|\s)@/g, '$1\\@');
        })
        .join(''),
    );
  }

  /**
   * An interpreted text: QEMU's default role and its `:qapi:…:` roles name schema entities (a
   * link when the name is a generated TypeScript declaration, inline code otherwise: commands
   * and events are not declarations); `:doc:` and `:ref:` name pages of QEMU's manual, which
   * the output doesn't have, so a labelled one (`text <target>`) becomes its text and a bare
   * one its target as code; any other role becomes inline code of its text.
   */
  private role(role: string, body: string): string {
    const labelled = /^([\s\S]*?\S)\s*<([^<>]+)>$/.exec(body);
    const text = labelled ? labelled[1]! : null;
    const target = (labelled ? labelled[2]! : body).trim();
    if (role === '' || role === 'any' || role.startsWith('qapi:')) {
      // `!name` doesn't link; `~name` shows the last part of a dotted name.
      const name = target.replace(/^[!~]+/, '');
      const shown = text ?? (target.startsWith('~') ? name.slice(name.lastIndexOf('.') + 1) : name);
      const kind = role.slice('qapi:'.length);
      const link = target.startsWith('!') || kind === 'cmd' || kind === 'event' ? null : this.linkTarget(name);
      if (!link) return code(shown);
      return shown === link ? `{@link ${link}}` : `{@link ${link} | ${shown}}`;
    }
    if (role === 'doc' || role === 'ref') return text ?? code(target);
    return code(text ?? target);
  }

  private ref(name: string): string {
    const target = this.linkTarget(name);
    return target ? `{@link ${target}}` : '`' + name + '`';
  }
}

const LIST_ITEM = /^(?:[-*+]|\d+[.)])\s/;

function code(text: string): string {
  return '`' + text + '`';
}

/** A Markdown list item: continuation lines indented under its text. */
function listItem(text: string): string {
  return '- ' + text.replace(/\n(?=.)/g, '\n  ');
}

/** The items of an rST list (each without its marker, continuation lines dedented); text that isn't a list is one item. */
function listItems(text: string): string[] {
  const lines = text.split('\n');
  if (!LIST_ITEM.test(lines[0] ?? '')) return [text];
  const items: string[][] = [];
  for (const l of lines) {
    const marker = /^(?:[-*+]|\d+[.)])\s+/.exec(l);
    if (marker) items.push([l.slice(marker[0].length)]);
    else items[items.length - 1]!.push(l.trim());
  }
  return items.map((i) => i.join('\n').replace(/\n{3,}/g, '\n\n').trim());
}

/** The block, with `@remarks` (all notes, as one tag: TSDoc allows one) before the other tags, and examples last. */
/** The range of each QAPI integer type, exact: the wide bounds as powers of two (the 64-bit ones are past `Number`'s integers). */
const INTEGER_RANGES: Readonly<Record<string, string>> = {
  int: '-2^63 to 2^63-1',
  int8: '-128 to 127',
  int16: '-32768 to 32767',
  int32: '-2^31 to 2^31-1',
  int64: '-2^63 to 2^63-1',
  uint8: '0 to 255',
  uint16: '0 to 65535',
  uint32: '0 to 2^32-1',
  uint64: '0 to 2^64-1',
  size: '0 to 2^64-1',
};

/** A member of an integer type (or a list of one) names its QAPI kind and range: "`uint8`: 0 to 255." */
export function integerRange(type: SchemaType): string | null {
  const list = type instanceof SchemaArrayType;
  const element = list ? type.elementType : type;
  const range = element instanceof SchemaBuiltinType ? INTEGER_RANGES[element.name] : undefined;
  if (range === undefined) return null;
  return `${list ? 'List of ' : ''}\`${element.name}\`${list ? ', each' : ''}: ${range}.`;
}

function finish(parts: string[], tags: DocTag[], x: Extracted): DocBlock {
  const remarks = (x.remarks ?? []).filter(Boolean);
  if (remarks.length) tags.unshift({ tagName: 'remarks', text: '\n' + remarks.join('\n\n') });
  for (const e of x.examples) tags.push({ tagName: 'example', text: e });
  return { description: parts.filter(Boolean).join('\n\n'), tags };
}

/** A section's text with its indentation removed, whether it starts on the tag's line or below it. */
function dedentSection(text: string): string {
  const lines = text.split('\n');
  return indentWidth(lines[0]!) > 0 ? dedent(lines) : normalizeIndent(text);
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
    const text = t.text ? (t.text.startsWith('\n') ? '' : ' ') + t.text : '';
    lines.push(...`@${t.tagName}${text}`.split('\n'));
  }
  if (!lines.length) return '';
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? ' ' + l : ''}`).join('\n')}\n${indent} */\n`;
}

export function isEmptyDoc(block: DocBlock): boolean {
  return !block.description && !block.tags.length;
}
