import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests whose figures depend on timely reads by a process under test (a rate through a shaped
 * link, timed where the bytes are read): run after everything else, one file at a time, so the
 * rest of the suite on a 2-core machine does not starve them (CI saw a 2 Mbit/s upload timed at
 * 1.53 Mbit/s while other files kept both cores busy).
 */
const ALONE = ['test/integration/throughput/lab.test.ts', 'test/integration/throughput/vs-iperf3.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    // Integration tests start real servers on loopback; give them room but keep runs bounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one on this 2-core machine, and most
    // files here wait on processes, sockets and timers rather than compute. Three at once keeps
    // both cores busy (the suite's tests must hold on a loaded machine anyway; ALONE files still
    // run by themselves).
    maxWorkers: 3,
    reporters: process.env.CI === 'true' ? ['default', ['json', { outputFile: '.vitest-results.json' }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE] } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
