// The one place errors are rendered: one line on stderr (what, where, what to do), or one
// JSON document with --json; the exit code comes from the error's code.
import { EXIT, OxpsError, type ExitCode } from '../errors.js';
import { chalkFor } from './color.js';

export function toOxpsError(error: unknown): OxpsError {
  if (error instanceof OxpsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OxpsError(
    'INTERNAL',
    `unexpected error: ${message}`,
    'run again with -v; if it persists, report it',
    { cause: error },
  );
}

/** An error as --json gives it: {code, message, hint?, exitCode}. */
export function errorBody(error: unknown): {
  code: string;
  message: string;
  hint?: string;
  exitCode: ExitCode;
} {
  const failure = toOxpsError(error);
  return {
    code: failure.code,
    message: failure.message,
    ...(failure.hint ? { hint: failure.hint } : {}),
    exitCode: failure.exitCode,
  };
}

export function renderError(
  error: unknown,
  json: boolean,
  verbose = false,
  stream: NodeJS.WriteStream = process.stderr,
): ExitCode {
  const failure = toOxpsError(error);
  if (json) {
    stream.write(`${JSON.stringify({ error: errorBody(failure) })}\n`);
  } else {
    const color = chalkFor(stream);
    const hint = failure.hint ? color.dim(` (${failure.hint})`) : '';
    stream.write(`${color.red('oxps: error:')} ${failure.message}${hint}\n`);
    if (verbose && failure.code === 'INTERNAL' && failure.cause instanceof Error && failure.cause.stack) {
      stream.write(`${failure.cause.stack}\n`);
    }
  }
  return failure.exitCode ?? EXIT.internal;
}
