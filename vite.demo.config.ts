import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** The demos: plain pages built into dist/demo, served by the relay at /demo/. */
export default defineConfig({
  root: 'demo',
  base: './',
  build: {
    outDir: '../dist/demo',
    emptyOutDir: true,
    rolldownOptions: {
      input: {
        index: resolve('demo/index.html'),
        chat: resolve('demo/chat/index.html'),
        game: resolve('demo/game/index.html'),
      },
    },
  },
});
