// Builds the renderer (renderer/) into dist/renderer with relative asset URLs, so the same output
// loads from app://leffa/ in Electron and from serve mode's HTTP server.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte()],
  build: {
    // LEFFA_RENDERER_OUT: build elsewhere (an absolute path), e.g. for parallel e2e runs.
    outDir: process.env.LEFFA_RENDERER_OUT ?? '../dist/renderer',
    emptyOutDir: true,
    // Electron 45 ships Chromium 142; serve mode expects a current browser.
    target: 'chrome120',
    // Inline <script>/<style> would need CSP exceptions: keep every asset a file.
    assetsInlineLimit: 0,
  },
});
