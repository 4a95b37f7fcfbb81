/**
 * The manifest's text: a verbatim file has one hash (its source is its
 * bytes), a formatted file two; reading puts the left-out one back, and an
 * entry that needs both and lacks one is dropped with a warning.
 */
import { expect, it } from 'vitest';
import { type Manifest, parseManifest, serializeManifest } from '../../generator/write/manifest.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function manifest(files: Manifest['files']): Manifest {
  return { files, formatter: 'prettier@x config:0', generator: 'qapi-ts', generatorVersion: '0', info: {}, manifestVersion: 1 };
}

it('writes a verbatim file with its one hash, and reads its source hash back as that hash', () => {
  const text = serializeManifest(
    manifest({
      'runtime/json.ts': { sha256: A, sourceSha256: A, verbatim: true },
      'migration.ts': { sha256: A, sourceSha256: B },
      // Verbatim, but a source hash of its own: kept.
      'odd.ts': { sha256: A, sourceSha256: B, verbatim: true },
    }),
  );
  const files = (JSON.parse(text) as { files: Record<string, Record<string, unknown>> }).files;
  expect(files['runtime/json.ts']).toEqual({ sha256: A, verbatim: true });
  expect(files['migration.ts']).toEqual({ sha256: A, sourceSha256: B });
  expect(files['odd.ts']).toEqual({ sha256: A, sourceSha256: B, verbatim: true });
  const warnings: string[] = [];
  const read = parseManifest(text, (w) => warnings.push(w));
  expect(warnings).toEqual([]);
  expect(read.files.get('runtime/json.ts')).toEqual({ sha256: A, sourceSha256: A, verbatim: true });
  expect(read.files.get('migration.ts')).toEqual({ sha256: A, sourceSha256: B });
  expect(read.files.get('odd.ts')).toEqual({ sha256: A, sourceSha256: B, verbatim: true });
});

it('drops a formatted file that lacks its source hash', () => {
  const warnings: string[] = [];
  const read = parseManifest(JSON.stringify({ files: { 'migration.ts': { sha256: A } }, manifestVersion: 1 }), (w) => warnings.push(w));
  expect(read.files.has('migration.ts')).toBe(false);
  expect(warnings).toEqual(['ignoring manifest entry "migration.ts": malformed hashes']);
});
