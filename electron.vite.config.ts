import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

// Main and preload. The window shows the same console bundle the relay serves (dist/console),
// built once by the console's own Vite build.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: { entry: resolve(import.meta.dirname, 'electron/main/index.ts') },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: resolve(import.meta.dirname, 'electron/preload/index.ts'), formats: ['cjs'] },
      // A sandboxed preload is a classic script: CommonJS, one file.
      rolldownOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
});
