// Per-run wiring: global options → reporter, output, keystore, account, app context; and the
// action wrapper that renders errors, sets the exit code and cleans up (also on Ctrl-C).
import type { Command } from 'commander';
import { EXIT, OxpsError } from '../errors.js';
import { PASSPHRASE_TRIES } from '../store/keystore/vault.js';
import { Output } from '../ui/output.js';
import { TerminalReporter } from '../ui/terminal.js';
import { errorBody, renderError } from '../ui/errors.js';
import { askConfirm, askNewSecret, askSecret, canPrompt } from '../ui/prompts.js';
import type { Reporter } from '../ui/reporter.js';
import type { DurableKeystore, KeystoreChoice } from '../store/keystore/keystore.js';
import type { TrustPolicy } from '../store/config.js';
import type { Account, AppContext } from '../app/context.js';
import { passwordFromCommand, readSecretFile } from './secretInput.js';

export interface GlobalOptions {
  profile?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  keystore?: KeystoreChoice;
  passphraseFile?: string;
  timeout: number;
  lockWait: number;
  sync: boolean;
  trust?: TrustPolicy;
  passwordCommand?: string;
}

export class Runtime {
  readonly output: Output;
  readonly reporter: Reporter;
  private keystorePromise: Promise<DurableKeystore> | undefined;
  private contextPromise: Promise<AppContext> | undefined;
  /** Set by a command that stops gracefully on Ctrl-C (sync --watch) instead of exiting 130. */
  onInterrupt: (() => void) | undefined;

  constructor(readonly globals: GlobalOptions) {
    this.output = new Output(Boolean(globals.json));
    this.reporter = new TerminalReporter(globals.quiet ? 'quiet' : globals.verbose ? 'verbose' : 'normal');
  }

  /** --keystore, else OXPS_KEYSTORE, else the profile's recorded choice, else auto. */
  keystoreChoice(profileChoice?: KeystoreChoice): KeystoreChoice {
    return this.globals.keystore ?? keystoreFromEnv() ?? profileChoice ?? 'auto';
  }

  keystore(profileChoice?: KeystoreChoice): Promise<DurableKeystore> {
    this.keystorePromise ??= this.openKeystore(this.keystoreChoice(profileChoice));
    return this.keystorePromise;
  }

  /** A keystore of that choice, whatever the options say (profile set moves secrets between two). */
  async openKeystore(choice: KeystoreChoice): Promise<DurableKeystore> {
    const { openKeystore } = await import('../store/keystore/open.js');
    return openKeystore({
      choice,
      passphrase: ({ creating, path, attempt }) => this.vaultPassphrase(creating, path, attempt),
      notice: (message) => this.reporter.notice(message),
      verbose: (message) => this.reporter.verbose(message),
      lockWaitMs: this.globals.lockWait * 1000,
    });
  }

  /** The account of the selected profile (or of OXPS_JID), and its app context. */
  context(): Promise<AppContext> {
    this.contextPromise ??= import('../app/openContext.js').then(({ openProfileContext }) =>
      openProfileContext({
        profile: this.globals.profile,
        keystore: (profileChoice) => this.keystore(profileChoice),
        trust: this.globals.trust,
        reporter: this.reporter,
        options: {
          timeoutSeconds: this.globals.timeout,
          lockWaitMs: this.globals.lockWait * 1000,
          passwordOverride: () => this.passwordOverride(),
          confirm: askConfirm,
        },
      }),
    );
    return this.contextPromise;
  }

  /** The context, after processing pending secret messages unless --no-sync. */
  async syncedContext(): Promise<AppContext> {
    const { ctx, synced } = await this.syncingContext();
    await synced;
    return ctx;
  }

  /**
   * The context with the quick sync under way (unless --no-sync): a command sends its own first
   * requests beside the sync's, in the same round trip, and awaits `synced` before it reads what
   * the sync may change (the node's secrets).
   */
  async syncingContext(): Promise<{ ctx: AppContext; synced: Promise<void> }> {
    const ctx = await this.context();
    if (!this.globals.sync) return { ctx, synced: Promise.resolve() };
    const syncModule = import('../app/sync.js');
    if (this.secretsComeWithoutPrompt(ctx)) {
      // handed out once the quick sync has what it needs before its first requests (its code,
      // openpgp.js, whether we have a key): they and the command's then leave together
      const syncReady = Promise.all([syncModule, ctx.keyring().then((keyring) => keyring.hasOwnKey())]);
      ctx.startSession(syncReady);
    }
    // opened here, once, for the sync and the command to share
    await ctx.state();
    const synced = (async () => {
      const { quickSync } = await syncModule;
      const report = await quickSync(ctx);
      if (report) (await import('./syncSummary.js')).noticeSync(this.reporter, report);
    })();
    synced.catch(() => undefined);
    return { ctx, synced };
  }

  async account(): Promise<Account> {
    return (await this.context()).account;
  }

  /** The service of a node: -s, else the account's own bare JID (PEP). */
  async service(option: string | undefined): Promise<string> {
    return option ?? (await this.account()).jid;
  }

  async close(): Promise<void> {
    const context = await this.contextPromise?.catch(() => undefined);
    this.reporter.verbose(context ? await context.networkSummary() : 'network: none');
    await context?.close();
  }

  /**
   * The vault's passphrase comes from the environment or a file and the password from the
   * vault: no prompt can come while the login waits (a keychain may ask to be unlocked).
   */
  private secretsComeWithoutPrompt(ctx: AppContext): boolean {
    return (
      ctx.keystore.kind === 'vault' &&
      !this.globals.passwordCommand &&
      Boolean(this.globals.passphraseFile || process.env.OXPS_PASSPHRASE)
    );
  }

  /** The account password from OXPS_PASSWORD or --password-command, when either is given. */
  async passwordOverride(): Promise<string | undefined> {
    if (this.globals.passwordCommand) return passwordFromCommand(this.globals.passwordCommand);
    return process.env.OXPS_PASSWORD || undefined;
  }

  private async vaultPassphrase(
    creating: boolean,
    path: string,
    attempt: number,
  ): Promise<string | undefined> {
    const given = this.globals.passphraseFile
      ? await readSecretFile(this.globals.passphraseFile, '--passphrase-file')
      : process.env.OXPS_PASSPHRASE || undefined;
    // a file or the environment gives the same passphrase again: no second try
    if (given !== undefined) {
      if (attempt > 1) return undefined;
      loadOpenpgpDuringScrypt();
      return given;
    }
    const instead = 'set OXPS_PASSPHRASE or pass --passphrase-file FILE';
    // headless (cron, CI): a missing vault passphrase is a local-state problem (exit 10), not a usage error
    if (!canPrompt())
      throw new OxpsError(
        'PASSPHRASE_REQUIRED',
        `the vault ${path} needs a passphrase: no terminal to ask on`,
        instead,
      );
    if (creating) return askNewSecret(`New passphrase for the vault ${path}`, instead);
    return askSecret(
      attempt === 1
        ? `Passphrase of the vault ${path}`
        : `Wrong passphrase: try again (${attempt} of ${PASSPHRASE_TRIES})`,
      instead,
    );
  }
}

/**
 * Every command that opens the vault goes on to load openpgp.js (~100 ms of the main thread),
 * and the vault's scrypt (~100 ms) runs off it, the main thread idle: one during the other.
 * setImmediate: the scrypt is handed to the thread pool first. Not after a prompt: the next
 * prompt (a wrong passphrase) must find the main thread free to read what is typed.
 */
function loadOpenpgpDuringScrypt(): void {
  setImmediate(() => void import('../app/ox/keyring.js').catch(() => undefined));
}

function keystoreFromEnv(): KeystoreChoice | undefined {
  const value = process.env.OXPS_KEYSTORE;
  if (value === undefined || value === '') return undefined;
  if (value === 'auto' || value === 'keychain' || value === 'vault') return value;
  throw new OxpsError(
    'USAGE',
    `OXPS_KEYSTORE="${value}" is not one of auto, keychain, vault`,
    'fix the environment variable',
  );
}

/** A command's action: its arguments, then its options object, typed as the command declares them. */
type Handler<Args extends unknown[]> = (runtime: Runtime, ...args: Args) => Promise<void>;

/**
 * Wraps a command's action: one Runtime per run, errors rendered once, cleanup always. What
 * commander hands over is typed here, once, as the handler declares it.
 */
export function action<Args extends unknown[]>(
  handler: Handler<Args>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const runtime = new Runtime(command.optsWithGlobals<GlobalOptions>());
    const onInterrupt = () => {
      if (runtime.onInterrupt) return runtime.onInterrupt();
      const interrupted = new OxpsError('INTERRUPTED', 'interrupted');
      runtime.output.abortStream(errorBody(interrupted));
      if (runtime.output.json) renderError(interrupted, true);
      else process.stderr.write('\noxps: interrupted\n');
      void runtime.close().finally(() => process.exit(EXIT.interrupted));
    };
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
    try {
      if (runtime.globals.profile !== undefined)
        (await import('../store/paths.js')).checkProfileName(runtime.globals.profile, '-p');
      await handler(runtime, ...(args.slice(0, -1) as Args));
    } catch (error) {
      // a --json document already begun on stdout ends with the error in it
      runtime.output.abortStream(errorBody(error));
      process.exitCode = renderError(error, runtime.output.json, Boolean(runtime.globals.verbose));
    } finally {
      await runtime.close().catch(() => undefined);
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
    }
  };
}
