import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/helpers/paths.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared reference material, expected beside the repository. */
export const SHARED_ROOT = resolve(REPO_ROOT, '..', 'shared');
