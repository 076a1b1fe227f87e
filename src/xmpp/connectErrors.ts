// Turns what can go wrong while connecting into one-line errors that say what to do.
import { OxpsError } from '../errors.js';

const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
};

export interface ConnectTarget {
  host: string;
  port: number;
  domain: string;
  bareJid: string;
}

export function connectError(error: unknown, target: ConnectTarget): Error {
  if (error instanceof OxpsError) return error;
  const code = (error as { code?: string })?.code ?? '';
  const where = `${target.host}:${target.port}`;
  if (CERTIFICATE_CODES.has(code)) {
    const reason =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? `it is not valid for ${target.domain}`
        : `it is not trusted (${code})`;
    return new OxpsError(
      'TLS_CERTIFICATE',
      `refusing the TLS certificate of ${target.domain} at ${where}: ${reason}`,
      'if you trust this server, pass its CA certificate with --tls-ca FILE (oxps profile add … --tls-ca FILE)',
      { cause: error },
    );
  }
  if (code in NETWORK_CODES) {
    return new OxpsError(
      'CONNECT_FAILED',
      `cannot reach ${where} (${code}: ${NETWORK_CODES[code]})`,
      'check that the server runs and --host/--port are right',
      { cause: error },
    );
  }
  const condition = (error as { condition?: string })?.condition;
  if (condition) {
    return new OxpsError('CONNECT_FAILED', `${target.domain} closed the stream (${condition})`, undefined, {
      cause: error,
    });
  }
  const message = (error as Error)?.message ?? String(error);
  return new OxpsError('CONNECT_FAILED', `connection to ${where} failed: ${message}`, undefined, {
    cause: error,
  });
}
