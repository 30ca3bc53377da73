import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const page = (name: string) => fileURLToPath(new URL(`./${name}.html`, import.meta.url))

// Three pages share one set of hashed chunks. The server rewrites './assets/' to
// '{BASE_PATH}/assets/' when it serves the HTML, so the build does not depend on BASE_PATH.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an inline script; every browser we support has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    rollupOptions: {
      input: { index: page('index'), login: page('login'), embed: page('embed') },
    },
  },
})
