/**
 * V8 flags the agent process sets for itself (measured with `npm run bench:agent`;
 * docs/performance.md, "Agent footprint"). Kept free of imports: the `n3mon` entry point loads it
 * and applies the flags before it loads the agent's code, so no function is optimised meanwhile.
 *
 * `--no-opt`: the agent's JavaScript runs in short bursts (a probe result, a batch every few
 * seconds). On the reference schedule TurboFan compiled ~175 functions in five minutes on
 * background threads; its code and the compiler's own pages cost ~9 MB of RSS, and the agent used
 * slightly more CPU with it than without. Ignition + Sparkplug run the agent. Only `n3mon agent`:
 * `n3mon up` shares its process with the collector, which needs TurboFan for ingest.
 *
 * `--lite-mode` (also no Sparkplug, feedback vectors allocated lazily) saves 4–5 MiB more with the
 * same CPU, but it is a flag V8 reads when the isolate is made: the systemd unit and the Windows
 * service pass it on node's command line (deploy/), which is also what bench:agent measures with.
 * It turns WebAssembly off: Node's global fetch() (undici's llhttp is WebAssembly) then fails and
 * kills the process, so the agent speaks HTTP through node:http/https only
 * (test/unit/agent/lite-mode.test.ts keeps it so).
 */
export const AGENT_V8_FLAGS = '--no-opt';

/** `N3MON_AGENT_V8_FLAGS` replaces the default ('' keeps V8's defaults, e.g. for an agent polling very many SNMP devices). */
export function agentV8Flags(env: NodeJS.ProcessEnv): string {
  return env.N3MON_AGENT_V8_FLAGS ?? AGENT_V8_FLAGS;
}
