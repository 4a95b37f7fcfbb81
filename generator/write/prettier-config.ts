/**
 * The pinned prettier configuration for generated TypeScript.
 *
 * Every option prettier 3.10 knows that can change the printed output is set
 * here explicitly, so the output never depends on prettier's defaults changing
 * or on the environment: qapi-ts never resolves `.prettierrc`,
 * `.editorconfig` or plugins from the user's project. It uses prettier's
 * standalone build with exactly the TypeScript and estree plugins (see
 * `format.ts`).
 *
 * Changing anything here changes the formatter fingerprint recorded in the
 * manifest, which makes the next run re-format every file.
 */

/** Options passed to `prettier.format` (plugins are added by the caller). A plain, structured-cloneable object. */
export const PRETTIER_OPTIONS = Object.freeze({
  parser: 'typescript',
  printWidth: 100,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: true,
  jsxSingleQuote: false,
  quoteProps: 'as-needed',
  trailingComma: 'all',
  bracketSpacing: true,
  bracketSameLine: false,
  objectWrap: 'preserve',
  arrowParens: 'always',
  endOfLine: 'lf',
  proseWrap: 'preserve',
  // Never reformat code embedded in template literals (css`…`, markdown`…`):
  // it would pull in more plugins and change output with them.
  embeddedLanguageFormatting: 'off',
  experimentalTernaries: false,
  experimentalOperatorPosition: 'end',
  singleAttributePerLine: false,
  htmlWhitespaceSensitivity: 'css',
  vueIndentScriptAndStyle: false,
  requirePragma: false,
  insertPragma: false,
  checkIgnorePragma: false,
} as const);

export type PinnedPrettierOptions = typeof PRETTIER_OPTIONS;
