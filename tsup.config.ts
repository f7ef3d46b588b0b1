import { defineConfig } from 'tsup'

// One universal entry: `platform: 'neutral'` keeps Node built-ins out of the
// top of the bundle, so the same file loads in Node and in a browser.
export default defineConfig({
  entry: ['ts/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'neutral',
  target: 'es2020',
  sourcemap: true,
  clean: true,
})
