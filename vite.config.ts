import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The browser console: built into dist/console, served by the relay at /console/. */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/console', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
});
