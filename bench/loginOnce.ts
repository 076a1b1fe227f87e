// One connect + login in a fresh process (what every oxps command pays once), for the login
// benchmark: `node dist/bench/loginOnce.js JID PASSWORD PORT CA_FILE` prints the milliseconds
// of Session.open and of Session.open + close as JSON.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Session } from '../src/xmpp/session.js';

const [jid, password, port, caFile] = process.argv.slice(2);
const caPem = readFileSync(caFile!, 'utf8');
const t0 = performance.now();
const session = await Session.open({
  jid: jid!,
  password: password!,
  host: '127.0.0.1',
  port: Number(port),
  caPem,
  timeoutSeconds: 20,
});
const t1 = performance.now();
await session.close();
process.stdout.write(`${JSON.stringify({ openMs: t1 - t0, totalMs: performance.now() - t0 })}\n`);
process.exit(0);
