import { runClusterCommand } from './lib/cluster-command';

const say = (line: string) => console.log(`[lienthong cluster] ${line}`);

/** `npm run cluster`: see scripts/lib/cluster-command.ts. */
void runClusterCommand(say).catch((err: unknown) => {
  say(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
