import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Integration tests start real servers on loopback; give them room but keep runs bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI === 'true' ? ['default', ['json', { outputFile: '.vitest-results.json' }]] : ['default'],
  },
});
