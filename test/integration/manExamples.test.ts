// The cron and CI examples of man/oxps.1 (EXAMPLES), run as written against the real Prosody:
// a CI job with no profile (account from the environment, throwaway vault) seeds an encrypted
// node from a JSONL file and shares its secret; the reader's cron job syncs with the vault
// passphrase from a file; the reader then fetches the items.
import { describe, expect, it } from 'vitest';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestUser, json, serverInfo } from '../helpers/cli.js';

describe('man page examples', () => {
  it(
    'CI job: OXPS_JID … oxps encrypt-node && oxps publish --jsonl, key restore, secret share; cron: sync -q',
    { timeout: 180_000 },
    async () => {
      const [ci, tester] = await TestUser.createMany(['ci', 'tester']);
      const server = serverInfo();

      // once, on another device of the CI account: a key and its backup code
      await ci!.addProfile();
      expect((await ci!.run(['key', 'generate'])).code).toBe(0);
      const backup = await ci!.run(['--json', 'key', 'backup']);
      expect(backup.code, backup.stderr).toBe(0);
      const codeFile = join(ci!.home, 'backup-code');
      await writeFile(codeFile, `${json<{ backupCode: string }>(backup).backupCode}\n`, { mode: 0o600 });

      // the reader, set up with a vault whose passphrase lives in a file only its owner reads
      const passphraseFile = join(tester!.home, 'passphrase');
      await writeFile(passphraseFile, `${tester!.env.OXPS_PASSPHRASE}\n`);
      await chmod(passphraseFile, 0o600);
      await tester!.addProfile(['--keystore', 'vault']);
      expect((await tester!.run(['key', 'generate'])).code).toBe(0);

      // the CI job: a fresh home, no profile
      const job = await TestUser.device(ci!.name);
      const env = {
        OXPS_JID: ci!.jid,
        OXPS_PASSWORD: `${ci!.name}pass`,
        OXPS_HOST: '127.0.0.1',
        OXPS_PORT: String(server.port),
        OXPS_TLS_CA: server.certFile,
        OXPS_KEYSTORE: 'vault',
        OXPS_PASSPHRASE: 'ci-job-4711',
      };
      const items = [1, 2, 3].map((n) =>
        JSON.stringify({ id: `event-${n}`, payload: `<event xmlns="urn:example:cal">meeting ${n}</event>` }),
      );
      await writeFile(join(job.home, 'items.jsonl'), `${items.join('\n')}\n`);
      const inJob = (args: string[]) => job.run(args, { env });
      const sh = async (args: string[]) => {
        const result = await inJob(args);
        expect(result.code, `oxps ${args.join(' ')}: ${result.stderr}`).toBe(0);
        return result;
      };
      await sh(['encrypt-node', '-n', 'fixtures']);
      await sh(['publish', '-n', 'fixtures', '--jsonl', join(job.home, 'items.jsonl')]);
      await sh(['key', 'restore', '--backup-code-file', codeFile]);
      await sh(['secret', 'share', '-n', 'fixtures', tester!.jid]);

      // the reader's cron job: no OXPS_PASSPHRASE in its environment, the file instead
      const cron = await tester!.run(
        ['--keystore', 'vault', '--passphrase-file', passphraseFile, 'sync', '-q'],
        { env: { OXPS_PASSPHRASE: undefined } },
      );
      expect(cron.code, cron.stderr).toBe(0);
      expect(cron.stderr).toBe('');

      const fetched = await tester!.run(['--json', 'fetch', '-s', ci!.jid, '-n', 'fixtures', '--all'], {
        env: { OXPS_PASSPHRASE: undefined, OXPS_KEYSTORE: undefined },
      });
      // without a passphrase and without a terminal, the vault cannot open: exit 10
      expect(fetched.code).toBe(10);
      const read = await tester!.run([
        '--json',
        '--passphrase-file',
        passphraseFile,
        'fetch',
        '-s',
        ci!.jid,
        '-n',
        'fixtures',
        '--all',
      ]);
      expect(read.code, read.stderr).toBe(0);
      const result = json<{ items: Array<{ id: string; status: string; xml: string }> }>(read);
      expect(result.items.map((i) => [i.id, i.status]).sort()).toEqual([
        ['event-1', 'decrypted'],
        ['event-2', 'decrypted'],
        ['event-3', 'decrypted'],
      ]);
      expect(result.items.find((i) => i.id === 'event-2')!.xml).toContain('meeting 2');
    },
  );
});
