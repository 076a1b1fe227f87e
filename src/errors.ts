// Typed errors shared by every layer. Each carries a stable code (for --json and scripts),
// a one-line message (what and where) and a hint (what to do next). They are rendered in
// one place: src/ui/errors.ts.

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  network: 5,
  tls: 6,
  server: 7,
  security: 8,
  partial: 9,
  localState: 10,
  busy: 11,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const EXIT_BY_CODE: Record<string, ExitCode> = {
  USAGE: EXIT.usage,
  INPUT_INVALID: EXIT.usage,
  NEEDS_TTY: EXIT.usage,
  PROFILE_NOT_FOUND: EXIT.notFound,
  PROFILE_EXISTS: EXIT.usage,
  NODE_NOT_FOUND: EXIT.notFound,
  ITEM_NOT_FOUND: EXIT.notFound,
  SECRET_NOT_FOUND: EXIT.notFound,
  NO_SECRET: EXIT.notFound,
  KEY_NOT_FOUND: EXIT.notFound,
  AUTH_FAILED: EXIT.auth,
  CONNECT_FAILED: EXIT.network,
  TIMEOUT: EXIT.network,
  CONNECTION_LOST: EXIT.network,
  TLS_CERTIFICATE: EXIT.tls,
  TLS_REQUIRED: EXIT.tls,
  SERVER_ERROR: EXIT.server,
  DECRYPT_FAILED: EXIT.security,
  SIGNATURE_INVALID: EXIT.security,
  NOT_ORIGIN: EXIT.security,
  UNTRUSTED_KEY: EXIT.security,
  NOT_SIGNED: EXIT.security,
  PARTIAL: EXIT.partial,
  FINDINGS: EXIT.partial,
  KEYSTORE_UNAVAILABLE: EXIT.localState,
  PASSPHRASE_REQUIRED: EXIT.localState,
  PASSPHRASE_WRONG: EXIT.localState,
  STATE_CORRUPT: EXIT.localState,
  FILE_PERMISSIONS: EXIT.localState,
  NODE_CAPACITY: EXIT.server,
  LOCKED: EXIT.busy,
  INTERRUPTED: EXIT.interrupted,
};

// keyof a Record<string, …> is string: the union names the codes for the reader, not for the compiler
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export type ErrorCode = keyof typeof EXIT_BY_CODE | 'INTERNAL';

export class OxpsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OxpsError';
    this.code = code;
    this.hint = hint;
  }

  get exitCode(): ExitCode {
    return EXIT_BY_CODE[this.code] ?? EXIT.internal;
  }
}

export function isOxpsError(value: unknown, code?: ErrorCode): value is OxpsError {
  return value instanceof OxpsError && (code === undefined || value.code === code);
}

/** Any error as an OxpsError: an unexpected one becomes INTERNAL (exit 1), with it as the cause. */
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
