// The README's "Cron and CI" recipes, run as written on a fresh machine: the code blocks are
// taken from README.md and run by a shell in an empty home, with nothing but the server's
// address and CA (OXPS_HOST, OXPS_PORT, OXPS_TLS_CA), the accounts' JIDs and the CI system's
// secrets substituted. The cron line runs as cron runs it: /bin/sh, HOME, LOGNAME, a short PATH.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, symlink, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, TestUser, json, ok, serverInfo } from '../helpers/cli.js';
import { runProcess } from '../harness/process.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const MAN = fileURLToPath(new URL('../../man/oxps.1', import.meta.url));

interface Block {
  lang: string;
  text: string;
}

async function cronAndCiBlocks(): Promise<Block[]> {
  const readme = await readFile(README, 'utf8');
  const section = /^## Cron and CI\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "Cron and CI" section');
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

function block(blocks: Block[], what: string, test: (b: Block) => boolean): string {
  const found = blocks.find(test);
  if (!found) throw new Error(`README.md "Cron and CI" has no code block for ${what}`);
  return found.text;
}

/** The command of the crontab's job line (after its five schedule fields), and the line's schedule. */
function cronJob(crontab: string): { schedule: string; command: string } {
  const line = crontab
    .split('\n')
    .find((l) => /^\S+(\s+\S+){4}\s+\S/.test(l) && !l.startsWith('#') && !/^\w+=/.test(l));
  if (!line) throw new Error(`no job line in the crontab block:\n${crontab}`);
  const fields = line.trim().split(/\s+/);
  return { schedule: fields.slice(0, 5).join(' '), command: fields.slice(5).join(' ') };
}

/** A machine nobody has run oxps on: an empty home, `oxps` on the PATH (as `npm link` puts it). */
async function freshMachine(): Promise<{ home: string; path: string }> {
  const home = await mkdtemp(join(tmpdir(), 'oxps-fresh-'));
  const bin = join(home, '.local-bin');
  await mkdir(bin);
  await symlink(BIN, join(bin, 'oxps'));
  return { home, path: [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(':') };
}

const serverEnv = () => {
  const server = serverInfo();
  return { OXPS_HOST: '127.0.0.1', OXPS_PORT: String(server.port), OXPS_TLS_CA: server.certFile };
};

function sh(shell: 'bash' | 'sh', script: string, cwd: string, env: Record<string, string>) {
  return runProcess(shell === 'bash' ? 'bash' : '/bin/sh', ['-e', '-c', script], {
    cwd,
    env,
    timeoutMs: 120_000,
  });
}

describe('README "Cron and CI", as written, on a fresh machine', () => {
  it('#17.3 cron: the set-up and the crontab line work; -q prints nothing when nothing happened', async () => {
    const [reader, alice] = await TestUser.createMany(['reader', 'alice']);
    const blocks = await cronAndCiBlocks();
    const setup = block(blocks, 'the cron set-up', (b) => b.text.includes('profile add')).replaceAll(
      'reader@example.org',
      reader!.jid,
    );
    const { schedule, command } = cronJob(block(blocks, 'the crontab', (b) => b.lang === 'crontab'));
    expect(schedule).toBe('*/10 * * * *');

    const machine = await freshMachine();
    const login = { HOME: machine.home, PATH: machine.path, LANG: 'C.UTF-8', NO_COLOR: '1' };
    // the set-up is typed in a login shell; OXPS_PASSWORD answers the password prompt
    const installed = await sh('bash', setup, machine.home, {
      ...login,
      ...serverEnv(),
      OXPS_PASSWORD: `${reader!.name}pass`,
    });
    expect(installed.code, installed.stderr).toBe(0);

    const cronEnv = { HOME: machine.home, LOGNAME: reader!.name, SHELL: '/bin/sh', PATH: machine.path };
    const cron = () => sh('sh', command, machine.home, cronEnv);
    // nothing has happened yet: not a byte, so cron sends no mail
    const quiet = await cron();
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });

    // a secret arrives: the next run says so (cron mails it), the one after is silent again
    await alice!.addProfile();
    ok(await alice!.run(['key', 'generate']));
    ok(await alice!.run(['encrypt-node', '-n', 'urn:example:cron']));
    ok(await alice!.run(['secret', 'share', '-n', 'urn:example:cron', reader!.jid]));
    const news = await cron();
    expect(news.code, news.stderr).toBe(0);
    expect(news.stderr).toBe('');
    expect(news.stdout).toContain('urn:example:cron');
    expect(await cron()).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('#17.3 CI: the job seeds a node and hands out its secret with no configuration at all', async () => {
    // alice: the account allowed to create nodes on pubsub.localhost (as a CI account must be)
    const ci = await TestUser.create('alice', { shared: true });
    const blocks = await cronAndCiBlocks();
    const job = block(blocks, 'the CI job', (b) => b.text.includes('OXPS_JID='))
      .replaceAll('ci@example.org', ci.jid)
      .replaceAll('pubsub.example.org', 'pubsub.localhost');
    const readme = await readFile(README, 'utf8');
    const fixtureLine = /`fixtures\.jsonl` holds one item per line: `([^`]+)`/.exec(readme)?.[1];
    expect(fixtureLine).toBeDefined();

    const machine = await freshMachine();
    await writeFile(join(machine.home, 'fixtures.jsonl'), `${fixtureLine}\n${fixtureLine}\n`);
    const env = {
      HOME: machine.home,
      PATH: machine.path,
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      ...serverEnv(),
      CI_XMPP_PASSWORD: `${ci.name}pass`,
      CI_VAULT_PASSPHRASE: 'vault of job 4711',
      CI_JOB_ID: String(process.pid),
    };
    const run = await sh('bash', job, machine.home, env);
    expect(run.code, run.stderr).toBe(0);
    // #17.10 no keychain on a CI machine: said once, in plain words, for the whole job
    expect(run.stderr).toMatch(
      /^oxps: no desktop keychain here \(no D-Bus session\): using the vault \S+\n$/,
    );
    const listed = json<{ secrets: Array<{ key?: string; revoked: boolean }> }>({
      ...run,
      stdout: await readFile(join(machine.home, 'secret.json'), 'utf8'),
    });
    expect(listed.secrets).toHaveLength(1);
    expect(listed.secrets[0]!.key).toMatch(/^\S{86}$/);
  });

  it('#17.3 the man page gives the same crontab line as the README', async () => {
    const { schedule, command } = cronJob(
      block(await cronAndCiBlocks(), 'the crontab', (b) => b.lang === 'crontab'),
    );
    const man = (await readFile(MAN, 'utf8')).replaceAll('\\-', '-');
    expect(man).toContain(`${schedule} ${command}`);
  });
});
