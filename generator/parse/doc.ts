/**
 * Documentation comments: the sections of one `##` block, as QEMU models
 * them (QAPIDoc), and the checks that tie them to the definition they
 * document.
 */
import { QapiSemError, type SourceInfo } from '../source/source-info.js';

export type DocSectionKind = 'Plain' | 'Member' | 'Feature' | 'Returns' | 'Errors' | 'Since' | 'Todo';

/** Something a description section can be connected to (a member, branch, value or feature). */
export interface DocumentedMember {
  readonly name: string;
  readonly info: SourceInfo | null;
  readonly role: string;
}

/** The text without the newlines at its start and end (what `/^\n+|\n+$/g` removes, without the regex's scan of every position). */
function trimNewlines(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 10) start++;
  while (end > start && text.charCodeAt(end - 1) === 10) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** One section of a doc comment. Text is kept as written, minus the tag. */
export class DocSection {
  text = '';
  constructor(
    public info: SourceInfo,
    readonly kind: DocSectionKind,
  ) {}
  appendLine(line: string): void {
    this.text += line + '\n';
  }
}

/** The description of one member or feature (`@name: text`). */
export class DocArgSection extends DocSection {
  member: DocumentedMember | null = null;
  /** Everything this description was connected to (one feature section can serve several members). */
  readonly connected: DocumentedMember[] = [];
  constructor(
    info: SourceInfo,
    kind: DocSectionKind,
    readonly name: string,
  ) {
    super(info, kind);
  }
}

/** A whole doc comment block. `symbol` is null for free-form documentation. */
export class QapiDoc {
  /** Every section in textual order; the first is the body. */
  readonly allSections: DocSection[];
  readonly body: DocSection;
  readonly args = new Map<string, DocArgSection>();
  readonly features = new Map<string, DocArgSection>();
  returns: DocSection | null = null;
  errors: DocSection | null = null;
  since: DocSection | null = null;
  /** Sections other than the body, args and features. */
  readonly sections: DocSection[] = [];

  constructor(
    readonly info: SourceInfo,
    readonly symbol: string | null = null,
    private readonly lenient: ((info: SourceInfo, msg: string) => void) | null = null,
  ) {
    this.body = new DocSection(info, 'Plain');
    this.allSections = [this.body];
  }

  /** A broken doc-comment rule: QEMU's error, or a warning under --lenient-docs. */
  private violation(info: SourceInfo, msg: string): void {
    if (!this.lenient) throw new QapiSemError(info, msg);
    this.lenient(info, msg);
  }

  /** Strips blank lines around each section and rejects empty tagged sections. */
  end(): void {
    for (const section of this.allSections) {
      section.text = trimNewlines(section.text);
      if (section.kind !== 'Plain' && section.text === '') {
        this.violation(section.info, `text required after '${section.kind}:'`);
      }
    }
  }

  ensureUntaggedSection(info: SourceInfo): void {
    const last = this.allSections[this.allSections.length - 1];
    if (last && last.kind === 'Plain') {
      if (!last.text) last.info = info;
      last.text += '\n';
      return;
    }
    const section = new DocSection(info, 'Plain');
    this.sections.push(section);
    this.allSections.push(section);
  }

  newTaggedSection(info: SourceInfo, kind: DocSectionKind): void {
    const section = new DocSection(info, kind);
    const slot = kind === 'Returns' ? 'returns' : kind === 'Errors' ? 'errors' : kind === 'Since' ? 'since' : null;
    if (slot) {
      if (this[slot]) throw new QapiSemError(info, `duplicated '${kind}' section`);
      this[slot] = section;
    }
    this.sections.push(section);
    this.allSections.push(section);
  }

  private newDescription(info: SourceInfo, name: string, kind: DocSectionKind, desc: Map<string, DocArgSection>): void {
    if (!name) throw new QapiSemError(info, 'invalid parameter name');
    if (desc.has(name)) throw new QapiSemError(info, `'${name}' parameter name duplicated`);
    const section = new DocArgSection(info, kind, name);
    this.allSections.push(section);
    desc.set(name, section);
  }

  newArgument(info: SourceInfo, name: string): void {
    this.newDescription(info, name, 'Member', this.args);
  }

  newFeature(info: SourceInfo, name: string): void {
    this.newDescription(info, name, 'Feature', this.features);
  }

  appendLine(line: string): void {
    this.allSections[this.allSections.length - 1]!.appendLine(line);
  }

  /** Ties a member to its description; an undocumented one is an error unless excepted. */
  connectMember(member: DocumentedMember): void {
    let section = this.args.get(member.name);
    if (!section) {
      const info = member.info!;
      const excepted = info.pragma.documentationExceptions.includes(this.symbol ?? '');
      if (!excepted) {
        this.violation(info, `${member.role} '${member.name}' lacks documentation`);
      }
      // A stub, placed after the existing member descriptions.
      section = new DocArgSection(this.info, 'Member', member.name);
      this.args.set(member.name, section);
      let index = 1;
      if (this.allSections.length > 1) {
        while (this.allSections[index]?.kind === 'Member') index++;
        // QEMU 10.2.2 runs off the end of its section list here (an
        // IndexError) when nothing but member descriptions follows the body:
        // it fails on such a schema, so qapi-ts does too, with a clean error.
        // (Under --lenient-docs, an undocumented member that is not excepted
        // only gets its stub: QEMU never gets that far.)
        if (excepted && index === this.allSections.length) throw new QapiSemError(info, `${member.role} '${member.name}' lacks documentation`);
      }
      this.allSections.splice(index, 0, section);
    }
    section.member = member;
    section.connected.push(member);
  }

  connectFeature(feature: DocumentedMember): void {
    let section = this.features.get(feature.name);
    if (!section) {
      this.violation(feature.info!, `feature '${feature.name}' lacks documentation`);
      section = new DocArgSection(this.info, 'Feature', feature.name);
      this.features.set(feature.name, section);
    }
    section.member = feature;
    section.connected.push(feature);
  }

  /** Checks that depend on the kind of definition documented. */
  checkExpr(isCommand: boolean, hasReturns: boolean): void {
    if (isCommand) {
      if (this.returns && !hasReturns) {
        this.violation(this.returns.info, "'Returns' section, but command doesn't return anything");
      }
    } else {
      if (this.returns) this.violation(this.returns.info, "'Returns' section is only valid for commands");
      if (this.errors) this.violation(this.errors.info, "'Errors' section is only valid for commands");
    }
  }

  /** Every description must name something that exists. */
  check(): void {
    const checkArgs = (args: Map<string, DocArgSection>, what: string): void => {
      const bogus = [...args.values()].filter((s) => !s.member);
      if (bogus.length) {
        const many = bogus.length > 1;
        this.violation(
          bogus[0]!.info,
          `documented ${what}${many ? 's' : ''} '${bogus.map((s) => s.name).join("', '")}' ${many ? 'do' : 'does'} not exist`,
        );
      }
    };
    checkArgs(this.args, 'member');
    checkArgs(this.features, 'feature');
  }
}
