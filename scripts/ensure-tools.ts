import { ensureTools, toolVersion } from './lib/tools';

/** `npm run tools`: finds or builds the service binaries and prints where they are. */
try {
  const started = Date.now();
  const tools = ensureTools(process.env, (line) => console.log(`[tools] ${line}`));
  console.log(`[tools] temporal:    ${tools.temporal} (${toolVersion(tools.temporal)})`);
  console.log(`[tools] ferretdb:    ${tools.ferretdb}`);
  console.log(`[tools] nats-server: ${tools.natsServer} (${toolVersion(tools.natsServer)})`);
  console.log(`[tools] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`[tools] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
