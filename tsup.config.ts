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
  // Both builds run at once: each cleans only its own files (cli*, the rest).
  clean: ['!cli*'],
}

// The `wasmgan` executable: Node only, ESM, with a shebang. It imports the
// library from the sibling dist/index.js instead of bundling a second copy
// (with a second copy of the embedded wasm).
const cli: Options = {
  entry: { cli: 'ts/cli/bin.ts' },
  format: ['esm'],
  // Commands are loaded on demand (see ts/cli/constants.ts), as chunks next to cli.js.
  splitting: true,
  esbuildOptions(options) {
    options.chunkNames = 'cli-[name]-[hash]'
  },
  platform: 'node',
  target: 'node18',
  sourcemap: true,
  clean: ['!index.*'],
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
