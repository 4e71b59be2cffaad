import { defineConfig } from 'vite';

/**
 * The leadership dashboard, built into dashboard/dist and served by the API at /dashboard (`npm run build:dashboard`).
 * Everything is bundled (Chart.js included), so it works offline. `vite dashboard` serves it for development with
 * the API proxied from port 8080.
 */
export default defineConfig({
  base: '/dashboard/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
