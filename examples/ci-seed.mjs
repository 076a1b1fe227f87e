// Seeds an encrypted node for a test run and lets a reader in: the account needs no oxps
// profile (its OpenPGP key is made in memory and published on first use).
import { openAccount, OxpsError } from 'oxps';

const env = process.env;
const oxps = await openAccount({
  jid: env.SEED_JID, // e.g. ci@example.org
  password: env.SEED_PASSWORD,
  host: env.SEED_HOST, // optional: where the server is when SRV records do not say
  port: env.SEED_PORT ? Number(env.SEED_PORT) : undefined,
  tlsCa: env.SEED_TLS_CA, // optional: PEM file of a test server's CA
});
try {
  const node = 'urn:example:fixtures';
  await oxps.encryptNode({ node });
  const items = Array.from({ length: 20 }, (_, i) => ({
    id: `fixture-${i}`,
    payload: `<note xmlns="urn:example:note">fixture ${i}</note>`,
  }));
  const batch = await oxps.publishMany({
    node,
    items,
    signal: AbortSignal.timeout(120_000),
    onProgress: (published, total) => process.stderr.write(`seeded ${published}/${total}\n`),
  });
  const shared = await oxps.share({ node, with: [env.SEED_READER] });
  let readable = 0;
  for await (const item of oxps.fetch({ node, all: true })) if (item.status === 'decrypted') readable++;
  console.log(JSON.stringify({ node, published: batch.published, readable, sharedWith: shared.recipients }));
} catch (error) {
  if (!(error instanceof OxpsError)) throw error;
  console.error(`oxps: ${error.code}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`);
  process.exitCode = error.exitCode;
} finally {
  await oxps.close();
}
