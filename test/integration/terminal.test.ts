// oxps in a real terminal (tmux): an interactive flow read off the screen — profile add with a
// password prompt, then a publish that asks for confirmation — and the same needs without a
// terminal, which must fail at once with the flag to use instead.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, TestUser, ok, serverInfo } from '../helpers/cli.js';

const exec = promisify(execFile);

class Terminal {
  private constructor(readonly name: string) {}

  static async open(env: Record<string, string>, home: string): Promise<Terminal> {
    const name = `oxps-${process.pid}-${Date.now()}`;
    const rc = join(home, 'shellrc');
    await writeFile(
      rc,
      `${Object.entries(env)
        .map(([k, v]) => `export ${k}='${v}'`)
        .join('\n')}\nexport PS1='$ '\nunset NO_COLOR\n`,
    );
    await exec('tmux', [
      'new-session',
      '-d',
      '-s',
      name,
      '-c',
      home,
      '-x',
      '160',
      '-y',
      '50',
      `bash --rcfile ${rc} --noprofile -i`,
    ]);
    return new Terminal(name);
  }

  async type(text: string, enter = true): Promise<void> {
    await exec('tmux', ['send-keys', '-t', this.name, '-l', text]);
    if (enter) await exec('tmux', ['send-keys', '-t', this.name, 'Enter']);
  }

  async screen(): Promise<string> {
    return (await exec('tmux', ['capture-pane', '-p', '-e', '-t', this.name])).stdout;
  }

  /** Waits until the screen matches, returning it. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    await exec('tmux', ['kill-session', '-t', this.name]).catch(() => undefined);
  }
}

describe('in a terminal', () => {
  it('profile add asks for the password; publishing in clear to an encrypted node asks for confirmation', async () => {
    const alice = await TestUser.create('alice');
    const server = serverInfo();
    const terminal = await Terminal.open({ ...alice.env, PATH: process.env.PATH! }, alice.home);
    try {
      const oxps = `${process.execPath} ${BIN}`;
      await terminal.type(
        `${oxps} profile add ${alice.jid} --host 127.0.0.1 --port ${server.port} --tls-ca ${server.certFile}; echo "exit=$?"`,
      );
      await terminal.waitFor(/Password of .*@localhost/);
      await terminal.type(`${alice.name}pass`);
      const added = await terminal.waitFor(/exit=\d+/);
      expect(added).toMatch(/profile .* saved \(login checked\)/);
      expect(added).toContain('exit=0');
      expect(added).not.toContain(`${alice.name}pass`);
      // colour on a terminal
      expect(added).toMatch(/\x1b\[\d+(;\d+)*m✔/);

      await terminal.type(
        `clear; ${oxps} encrypt-node -n urn:example:tty && echo '<note xmlns="urn:example">hi</note>' > note.xml && ${oxps} publish -n urn:example:tty --plaintext note.xml; echo "exit=$?"`,
      );
      await terminal.waitFor(/is encrypted\. Publish in clear anyway\?/);
      await terminal.type('y');
      const published = await terminal.waitFor(/exit=\d+/);
      expect(published).toMatch(/published item \S+ to urn:example:tty on .* in clear/);
      expect(published).toContain('exit=0');
    } finally {
      await terminal.close();
    }
  });

  it('without a terminal the same questions fail at once, naming what to use instead', async () => {
    const bob = await TestUser.create('bob');
    const noPassword = await bob.run(bob.profileAddArgs(), { timeoutMs: 15_000 });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/no terminal to ask on/);
    expect(noPassword.stderr).toMatch(/--password-file FILE or set OXPS_PASSWORD/);

    await bob.addProfile();
    ok(await bob.run(['encrypt-node', '-n', 'urn:example:notty']));
    const clear = await bob.run(['publish', '-n', 'urn:example:notty', '--plaintext', '-'], {
      input: "<note xmlns='urn:example'>x</note>",
      timeoutMs: 15_000,
      env: { NO_COLOR: undefined },
    });
    expect(clear.code).toBe(2);
    expect(clear.stderr).toMatch(/--force/);
    // no colour codes when not on a terminal, even in errors
    expect(clear.stderr).not.toMatch(/\x1b\[/);

    const noPassphrase = await bob.run(['secret', 'list', '-n', 'urn:example:notty'], {
      env: { OXPS_PASSPHRASE: undefined },
      timeoutMs: 15_000,
    });
    expect(noPassphrase.code).toBe(10);
    expect(noPassphrase.stderr).toMatch(/OXPS_PASSPHRASE/);
  });
});

describe('progress', () => {
  it('#17.13 a batch draws its progress with rate and time left on a terminal, and nothing on a pipe', async () => {
    const alice = await TestUser.create('alice');
    await alice.addProfile();
    ok(await alice.run(['key', 'generate']));
    const batch = Array.from({ length: 150 }, (_, i) =>
      JSON.stringify({ payload: `<note xmlns="urn:example">${i}</note>` }),
    ).join('\n');
    await writeFile(join(alice.home, 'batch.jsonl'), batch);
    const terminal = await Terminal.open({ ...alice.env, PATH: process.env.PATH! }, alice.home);
    const drawn = join(alice.home, 'terminal-output');
    try {
      // everything the program writes to the terminal, the redrawn lines included
      await exec('tmux', ['pipe-pane', '-t', terminal.name, '-o', `cat >> ${drawn}`]);
      await terminal.type(
        `${process.execPath} ${BIN} publish --plaintext -n urn:example:progress --jsonl batch.jsonl; echo "exit=$?"`,
      );
      const screen = await terminal.waitFor(/exit=\d+/, 120_000);
      expect(screen).toContain('exit=0');
      expect(await readFile(drawn, 'utf8')).toMatch(/publishing .*150\/150 · [\d.]+\/s/);
    } finally {
      await terminal.close();
    }
    const piped = await alice.run(['publish', '--plaintext', '-n', 'urn:example:progress2', '--jsonl', '-'], {
      input: batch,
    });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).not.toMatch(/publishing|\/s/);
  });
});

describe('wrong answers typed at a prompt', () => {
  it('#17.9 profile add: a wrong password is asked again (three tries), and the hint fits a prompt', async () => {
    const [alice, bob] = await TestUser.createMany(['alice', 'bob']);
    const server = serverInfo();
    const terminal = await Terminal.open({ ...alice!.env, PATH: process.env.PATH! }, alice!.home);
    try {
      const oxps = `${process.execPath} ${BIN}`;
      const add = (jid: string) =>
        `clear; ${oxps} profile add ${jid} --host 127.0.0.1 --port ${server.port} --tls-ca ${server.certFile}; echo "exit=$?"`;
      await terminal.type(add(alice!.jid));
      await terminal.waitFor(/Password of .*@localhost/);
      await terminal.type('not the password');
      await terminal.waitFor(/try again/);
      await terminal.type(`${alice!.name}pass`);
      const added = await terminal.waitFor(/exit=\d+/);
      expect(added).toMatch(/profile .* saved \(login checked\)/);
      expect(added).toContain('exit=0');

      // three wrong tries: nothing saved, and the hint says so instead of naming --force
      await terminal.type(add(bob!.jid));
      for (let attempt = 1; attempt <= 3; attempt++) {
        await terminal.waitFor(attempt === 1 ? /Password of/ : new RegExp(`try again \\(${attempt} of 3\\)`));
        await terminal.type(`wrong ${attempt}`);
      }
      const refused = await terminal.waitFor(/exit=\d+/);
      expect(refused).toContain('exit=4');
      expect(refused).not.toContain('--force');
      expect(refused.replaceAll('\n', '')).toMatch(/no profile was saved/);
    } finally {
      await terminal.close();
    }
  });

  it('#17.9 a wrong vault passphrase typed at the prompt is asked again, with no hint about OXPS_PASSPHRASE', async () => {
    const alice = await TestUser.create('alice');
    await alice.addProfile();
    const terminal = await Terminal.open(
      { ...alice.env, OXPS_PASSPHRASE: '', PATH: process.env.PATH! },
      alice.home,
    );
    try {
      const oxps = `${process.execPath} ${BIN}`;
      await terminal.type(
        `unset OXPS_PASSPHRASE; ${oxps} --no-sync encrypt-node -n urn:example:retry; echo "exit=$?"`,
      );
      await terminal.waitFor(/Passphrase of the vault/);
      await terminal.type('wrong passphrase');
      await terminal.waitFor(/try again/);
      await terminal.type(alice.env.OXPS_PASSPHRASE!);
      const done = await terminal.waitFor(/exit=\d+/);
      expect(done).toContain('exit=0');

      await terminal.type(`clear; ${oxps} --no-sync secret list -n urn:example:retry; echo "exit=$?"`);
      for (let attempt = 1; attempt <= 3; attempt++) {
        await terminal.waitFor(
          attempt === 1 ? /Passphrase of the vault/ : new RegExp(`try again \\(${attempt} of 3\\)`),
        );
        await terminal.type(`wrong ${attempt}`);
      }
      const refused = await terminal.waitFor(/exit=\d+/);
      expect(refused).toContain('exit=10');
      expect(refused).toMatch(/wrong passphrase/);
      expect(refused).not.toContain('OXPS_PASSPHRASE');
    } finally {
      await terminal.close();
    }
  });
});
