/**
 * Printing, the first half of formatting: a file's ts-morph structures → its
 * text, which prettier then formats.
 *
 * `printFile` is self-contained (it gets ts-morph's printer as arguments,
 * closes over nothing), because the format workers run this very function
 * from its source text: printing happens there, next to prettier, so
 * ts-morph loads in a worker while the main thread reads the schema.
 */
import type { StatementStructures, printStructure as PrintStructure, StructureKind as StructureKindEnum } from 'ts-morph';

/** What a file is printed from: its header and its statements. */
export interface PrintJob {
  readonly header: string;
  readonly statements: readonly StatementStructures[];
}

/**
 * One printer call for the whole file: a call per statement cost 2.6 times
 * as much, most of it setting the printer up. A newline statement between
 * declarations makes sure of the blank line between them that ts-morph's
 * printer leaves out after some kinds (prettier keeps one blank line, never
 * more); imports stay together.
 */
export function printFile(job: PrintJob, printStructure: typeof PrintStructure, kinds: typeof StructureKindEnum): string {
  if (!job.statements.length) return job.header + '\nexport {};\n';
  const spaced: (string | StatementStructures)[] = [];
  for (const s of job.statements) {
    if (spaced.length && s.kind !== kinds.ImportDeclaration) spaced.push('\n');
    spaced.push(s);
  }
  return job.header + '\n' + printStructure({ kind: kinds.SourceFile, statements: spaced }).trimEnd() + '\n';
}

/** Prints in this thread (loading ts-morph here). */
export async function printHere(job: PrintJob): Promise<string> {
  const tsMorph = await import('ts-morph');
  return printFile(job, tsMorph.printStructure, tsMorph.StructureKind);
}
