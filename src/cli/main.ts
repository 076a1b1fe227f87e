// Entry point of the oxps binary. `--version` is answered before anything else is loaded: it is
// what scripts call to check for oxps, and it should cost little more than starting Node.
import { readFileSync } from 'node:fs';

// `oxps fetch … | head`: the reader is gone, nothing more can be said; end quietly, like other tools.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // with the versions a bug report needs, as `gh --version` and `npm version` give them
  process.stdout.write(
    `oxps ${version}\nopenpgp.js ${packageVersion('openpgp')}\nxmpp.js ${packageVersion('@xmpp/client-core')}\nNode.js ${process.version}\n`,
  );
} else if (args[0] === '__complete') {
  // asked by the completion scripts at every Tab: no commander, no error output
  const { completionWords } = await import('./completion/words.js');
  process.stdout.write(
    (await completionWords(args[1], args.slice(2)).catch(() => [])).map((word) => `${word}\n`).join(''),
  );
} else {
  const { buildProgram } = await import('./program.js');
  await buildProgram(version).parseAsync(process.argv);
  // The command is done and has cleaned up; whatever a hostile or frozen peer still holds
  // open (a socket, a timer) must not keep the process alive. But stdout and stderr first:
  // into a pipe or socket their writes are asynchronous, and exit() drops what is still queued
  // (a `fetch --all --json` read by a slower consumer lost its end, exit code 0).
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => stream.write('', () => resolve())),
    ),
  );
  process.exit();
}

/** The version of an installed package, found from its entry point wherever npm put it (its package.json may not be exported). */
function packageVersion(name: string): string {
  let dir = new URL('.', import.meta.resolve(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name && manifest.version) return manifest.version;
    } catch {
      // no package.json at this level: look further up
    }
    const parent = new URL('..', dir);
    if (parent.href === dir.href) return 'unknown';
    dir = parent;
  }
}
