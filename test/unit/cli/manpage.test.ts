// man/oxps.1 against the commander program: every command has its subsection and every option
// its .TP item, and the page documents nothing the program lacks. The conventions parsed here
// are written at the top of man/oxps.1. Also: groff finds nothing to warn about.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Help, type Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.js';

const execFileAsync = promisify(execFile);
const MAN_PAGE = fileURLToPath(new URL('../../../man/oxps.1', import.meta.url));

/** Command path ('' for the program) → its flags, as the program defines them. */
function programFlags(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const help = new Help();
  const walk = (command: Command, path: string[]) => {
    // commander adds -h/--help to every command: the page documents it once, as a global option
    const options =
      path.length === 0 ? help.visibleOptions(command) : command.options.filter((o) => !o.hidden);
    found.set(
      path.join(' '),
      options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined)),
    );
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(buildProgram('0.0.0-test'), []);
  return found;
}

/** Plain text of a roff line: \- as -, fonts and quotes dropped. */
function unroff(line: string): string {
  return line
    .replace(/\\-/g, '-')
    .replace(/\\f[BIRP]/g, '')
    .replace(/\\\(\w\w/g, ' ')
    .replace(/"/g, ' ');
}

/** Command path → its flags, as man/oxps.1 documents them (see the conventions in the page). */
function manPageFlags(source: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let section = '';
  let current: string | undefined;
  const lines = source.split('\n');
  lines.forEach((line, index) => {
    const heading = /^\.SH\s+"?([^"]+)"?\s*$/.exec(line);
    if (heading) {
      section = heading[1]!;
      current = section === 'GLOBAL OPTIONS' ? '' : undefined;
      if (current !== undefined) found.set(current, []);
      return;
    }
    const subsection = /^\.SS\s+"?([^"]+?)"?\s*$/.exec(line);
    if (subsection && section === 'COMMANDS') {
      const title = unroff(subsection[1]!).trim();
      expect(title, `subsection title on line ${index + 1}`).toMatch(/^oxps( [a-z-]+)+$/);
      current = title.replace(/^oxps /, '');
      expect(found.has(current), `${title} documented twice`).toBe(false);
      found.set(current, []);
      return;
    }
    const tag = lines[index + 1];
    if (line === '.TP' && current !== undefined && tag !== undefined && /^\.B[RI]?\s/.test(tag)) {
      const flags =
        unroff(tag.replace(/^\.B[RI]?\s+/, '')).match(
          /(?<![\w-])(--[a-z0-9][a-z0-9-]*|-[A-Za-z])(?![\w-])/g,
        ) ?? [];
      expect(flags.length, `no flag in the option item on line ${index + 2}: ${tag}`).toBeGreaterThan(0);
      found.get(current)!.push(...flags);
    }
  });
  return found;
}

describe('man/oxps.1', () => {
  const source = readFileSync(MAN_PAGE, 'utf8');
  const inProgram = programFlags();
  const inPage = manPageFlags(source);

  it('has a subsection for every command, and none for a command that does not exist', () => {
    const commands = (map: Map<string, string[]>) => [...map.keys()].filter((k) => k !== '').sort();
    expect(commands(inPage)).toEqual(commands(inProgram));
  });

  it('documents every option of every command, under that command, and no option the program lacks', () => {
    for (const [command, flags] of inProgram) {
      const where = command ? `oxps ${command}` : 'GLOBAL OPTIONS';
      expect([...(inPage.get(command) ?? [])].sort(), where).toEqual([...flags].sort());
    }
  });

  it('documents the environment variables and exit codes the code uses', async () => {
    const { EXIT } = await import('../../../src/errors.js');
    const text = unroff(source);
    for (const code of Object.values(EXIT))
      expect(source, `exit status ${code}`).toMatch(new RegExp(`^\\.B ${code}$`, 'm'));
    for (const variable of [
      'OXPS_JID',
      'OXPS_PASSWORD',
      'OXPS_PASSPHRASE',
      'OXPS_PROFILE',
      'OXPS_KEYSTORE',
      'OXPS_HOST',
      'OXPS_PORT',
      'OXPS_TLS_CA',
      'NO_COLOR',
      'FORCE_COLOR',
      'XDG_CONFIG_HOME',
      'XDG_DATA_HOME',
      'XDG_CACHE_HOME',
    ]) {
      expect(source, variable).toMatch(new RegExp(`^\\.B ${variable}$`, 'm'));
    }
    for (const section of [
      'NAME',
      'SYNOPSIS',
      'DESCRIPTION',
      'COMMANDS',
      'GLOBAL OPTIONS',
      'ENVIRONMENT',
      'FILES',
      'EXIT STATUS',
      'EXAMPLES',
      'SECURITY',
      'SEE ALSO',
    ]) {
      expect(source, section).toMatch(new RegExp(`^\\.SH "?${section}"?$`, 'm'));
    }
    expect(text).toMatch(/oxps -q .*sync/);
    expect(text).toContain('--jsonl items.jsonl');
  });

  it('passes groff -ww without a warning', async () => {
    const { stdout, stderr } = await execFileAsync('groff', ['-ww', '-z', '-man', MAN_PAGE]);
    expect(stderr).toBe('');
    expect(stdout).toBe('');
  });
});

describe('man/oxps.1 states facts the code bears out', () => {
  it('#17.4 names the item encryption that encryptItem makes (SKESK v4 + SEIPD v1, AES-256), not another one', async () => {
    const openpgp = await import('openpgp');
    const { encryptItem } = await import('../../../src/crypto/itemCipher.js');
    const message = await openpgp.readMessage({
      binaryMessage: await encryptItem(new TextEncoder().encode('<x/>'), 's'.repeat(86)),
    });
    const [skesk, seipd] = message.packets as unknown as Array<{
      constructor: { tag: number };
      version: number;
      sessionKeyEncryptionAlgorithm?: number;
    }>;
    expect([skesk!.constructor.tag, skesk!.version, skesk!.sessionKeyEncryptionAlgorithm]).toEqual([
      openpgp.enums.packet.symEncryptedSessionKey,
      4,
      openpgp.enums.symmetric.aes256,
    ]);
    expect([seipd!.constructor.tag, seipd!.version]).toEqual([
      openpgp.enums.packet.symEncryptedIntegrityProtectedData,
      1,
    ]);

    const description = unroff(
      /^\.SH DESCRIPTION\n([\s\S]*?)^\.SH /m.exec(readFileSync(MAN_PAGE, 'utf8'))![1]!,
    );
    expect(description).toMatch(/SKESK v4 \+ SEIPD v1/);
    expect(description).toMatch(/AES-256/);
    expect(description).not.toMatch(/GCM/);
  });
});
