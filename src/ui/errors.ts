// The one place errors are rendered: one line on stderr (what, where, what to do), or one
// JSON document with --json; the exit code comes from the error's code.
import { EXIT, toOxpsError, type ExitCode } from '../errors.js';
import { chalkFor } from './color.js';

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
