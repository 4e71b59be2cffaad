import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);

/**
 * pdf.js reads the metrics of the 14 standard PDF fonts (Helvetica, Times…) from files when a document uses them
 * without embedding them, as pdf-lib's StandardFonts do. They are emitted next to the bundle from the installed
 * pdfjs-dist, so the page needs no CDN and nothing is copied into the repository.
 */
function pdfjsStandardFonts(): Plugin {
  const dir = join(dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts');
  return {
    name: 'pdfjs-standard-fonts',
    apply: 'build',
    generateBundle() {
      for (const name of readdirSync(dir))
        this.emitFile({
          type: 'asset',
          fileName: `pdfjs/standard_fonts/${name}`,
          source: readFileSync(join(dir, name)),
        });
    },
  };
}

/**
 * The agency workspace, built into workspace/dist and served by the API at /app (`npm run build:workspace`).
 * Everything is bundled (pdf.js and its worker included), so it works offline. `vite workspace` serves it for
 * development with the API proxied from port 8080.
 */
export default defineConfig({
  base: '/app/',
  plugins: [pdfjsStandardFonts()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
