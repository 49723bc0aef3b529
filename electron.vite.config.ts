import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// One build for the three parts of the app. Native addons stay external (they are Node-API and load
// from node_modules, unpacked from asar when packaged). The preload is CommonJS because sandboxed
// preloads cannot be ES modules.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: { index: 'electron/main/index.ts', engineProcess: 'electron/engine/engineProcess.ts' },
        external: ['electron', 'onnxruntime-node', 'sharp', '@resvg/resvg-js', 'ws'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: 'electron/preload/index.ts' },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: { outDir: 'out/renderer', rollupOptions: { input: 'renderer/index.html' } },
  },
});
