import { chmod } from 'node:fs/promises'
import { defineConfig, type Options } from 'tsup'

// The universal entry: `platform: 'neutral'` keeps Node built-ins out of the
// top of the bundle, so the same file loads in Node and in a browser.
const library: Options = {
  entry: ['ts/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'neutral',
  target: 'es2020',
  sourcemap: true,
  // Both builds run at once; the library's clean must not delete the CLI's output.
  clean: ['!cli.js', '!cli.js.map'],
}

// The `wasmgan` executable: Node only, ESM, with a shebang. It imports the
// library from the sibling dist/index.js instead of bundling a second copy
// (with a second copy of the embedded wasm).
const cli: Options = {
  entry: { cli: 'ts/cli/bin.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node18',
  sourcemap: true,
  clean: false,
  banner: { js: '#!/usr/bin/env node' },
  esbuildPlugins: [
    {
      name: 'library-as-sibling',
      setup(build) {
        // Imports of the library's own modules (ts/*.ts from ts/cli/) become one import of ./index.js.
        build.onResolve({ filter: /^\.\.\/[a-z-]+\.js$/ }, (args) =>
          args.importer.includes('/ts/cli/') ? { path: './index.js', external: true } : undefined,
        )
      },
    },
  ],
  async onSuccess() {
    await chmod('dist/cli.js', 0o755)
  },
}

export default defineConfig([library, cli])
