/**
 * jest's transform of the TypeScript sources: esbuild (a devDependency already: bin/run bundles with it) strips the
 * types of each file, as ts-jest's isolatedModules mode did, without loading the TypeScript compiler in every jest
 * worker; `npm run typecheck` is the type check. Options as ts-jest had them: CommonJS, ES2022 (class fields
 * defined), esModuleInterop's default-import interop; source maps for the stack traces of failures.
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const esbuild = require('esbuild');

const OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  target: 'es2022',
  platform: 'node',
  sourcemap: 'external',
  tsconfigRaw: { compilerOptions: { target: 'es2022', useDefineForClassFields: true, esModuleInterop: true, verbatimModuleSyntax: false } },
};
const VERSION = createHash('sha256').update(readFileSync(__filename)).update(esbuild.version).digest('hex');

module.exports = {
  getCacheKey: (source, path) => createHash('sha256').update(VERSION).update(path).update('\0').update(source).digest('hex'),
  process(source, path) {
    const { code, map } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: path });
    return { code, map };
  },
};
