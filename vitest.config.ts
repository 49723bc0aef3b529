import { defineConfig } from 'vitest/config';

// Unit and integration tests run under Node; renderer tests that need a DOM opt in per file with
// `// @vitest-environment jsdom`. End-to-end tests are Playwright's (test/e2e) and are excluded here.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx', 'test/integration/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
