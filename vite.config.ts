import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// VITE_PORT lets the e2e run serve the app beside a developer's own `npm run dev`.
const port = Number(process.env.VITE_PORT ?? 5173);

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: {
      '@': path.resolve(import.meta.dirname, 'src'),
      '@shared': path.resolve(import.meta.dirname, 'supabase/functions/_shared'),
    },
  },
  server: {
    port,
    strictPort: true,
    host: '127.0.0.1',
    // Test artefacts and the local database change all the time; they are not app sources.
    watch: { ignored: ['**/.local/**', '**/test-results/**', '**/playwright-report/**', '**/tests/**', '**/bench/results/**'] },
  },
  preview: { port, strictPort: true, host: '127.0.0.1' },
  // Pre-bundle what the lazily loaded admin page needs, so opening it never triggers a
  // dependency re-optimisation (and a full reload) in the dev server.
  optimizeDeps: {
    include: [
      '@tanstack/react-virtual',
      '@radix-ui/react-select',
      '@radix-ui/react-dialog',
      '@radix-ui/react-tabs',
      '@radix-ui/react-switch',
      '@radix-ui/react-slot',
      'date-fns-tz',
      '@hebcal/core',
    ],
  },
  build: { target: 'es2022', sourcemap: false },
});
