// The part of the `ping` package's command-line builder (0.4.4, no types of its own) that
// ./runner.ts uses: the executable and the arguments the package itself would spawn.
declare module 'ping/lib/builder/factory.js' {
  import type { PingConfig } from 'ping';

  interface ArgumentBuilder {
    /** Fills config's unset keys with the package's defaults (mutates it) and returns ping's argv after the executable. */
    getCommandArguments(target: string, config: PingConfig): string[];
  }
  const factory: {
    createBuilder(platform: NodeJS.Platform): ArgumentBuilder;
    getExecutablePath(platform: NodeJS.Platform, v6: boolean): string;
  };
  export default factory;
}
