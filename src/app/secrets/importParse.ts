// `oxps secret import`: Libervia's list of a node's secrets (`libervia-cli pubsub secret list
// -O json -v`: [{id, key, timestamp (Unix seconds), origin, revoked, shared_with}]), read as
// untrusted input: bounded in size and count, every field checked, one line saying where.
import { OxpsError } from '../../errors.js';
import { xep82DateTime, parseXep82DateTime } from '../../protocol/datetime.js';
import { MAX_SECRETS_PER_ORIGIN } from '../../protocol/oxps/receiving.js';

/** Libervia's list of 256 secrets with their keys is ~50 KB; a megabyte leaves room for long shared_with lists. */
export const MAX_IMPORT_BYTES = 1024 * 1024;
const MAX_KEY_LENGTH = 4096;
const MAX_SHARED_WITH = 1000;
const SECRET_ID = /^[\x21-\x7e]{1,128}$/;
const BARE_JID = /^[^@/\s"'<>&]{1,1023}@[^@/\s"'<>&]{1,1023}$/;

export interface ImportedSecret {
  id: string;
  key: string;
  timestamp: string;
  origin: string;
  revoked: boolean;
  sharedWith: string[];
}

export function parseLiberviaSecrets(text: string, where: string): ImportedSecret[] {
  const hint = 'give the output of libervia-cli pubsub secret list -n NODE -O json -v';
  if (Buffer.byteLength(text, 'utf8') > MAX_IMPORT_BYTES)
    throw new OxpsError(
      'INPUT_INVALID',
      `${where} is larger than ${MAX_IMPORT_BYTES} bytes: not a list of secrets`,
      hint,
    );
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new OxpsError('INPUT_INVALID', `${where} is not JSON`, hint);
  }
  if (!Array.isArray(document))
    throw new OxpsError(
      'INPUT_INVALID',
      `${where}: expected a list of secrets, found ${document === null ? 'null' : typeof document}`,
      hint,
    );
  if (document.length > MAX_SECRETS_PER_ORIGIN)
    throw new OxpsError(
      'INPUT_INVALID',
      `${where} holds more than ${MAX_SECRETS_PER_ORIGIN} secrets for one node`,
      'oxps keeps at most that many per node and origin',
    );
  const seen = new Set<string>();
  return document.map((entry: unknown, index) => {
    const at = `secret ${index + 1} of ${where}`;
    const secret = parseEntry(entry, at, hint);
    if (seen.has(secret.id)) throw new OxpsError('INPUT_INVALID', `${at}: id ${secret.id} twice`, hint);
    seen.add(secret.id);
    return secret;
  });
}

function parseEntry(entry: unknown, at: string, hint: string): ImportedSecret {
  const bad = (field: string, expected: string) =>
    new OxpsError('INPUT_INVALID', `${at}: "${field}" must be ${expected}`, hint);
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new OxpsError('INPUT_INVALID', `${at} is not an object`, hint);
  const { id, key, timestamp, origin, revoked, shared_with: sharedWith } = entry as Record<string, unknown>;
  if (typeof id !== 'string' || !SECRET_ID.test(id))
    throw bad('id', 'a string of 1 to 128 printable characters without spaces');
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH)
    throw bad(
      'key',
      `a non-empty string of at most ${MAX_KEY_LENGTH} characters (run libervia-cli with -v, which prints the keys)`,
    );
  const date =
    typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp > 0 && timestamp < 1e11
      ? new Date(Math.floor(timestamp) * 1000)
      : typeof timestamp === 'string'
        ? parseXep82DateTime(timestamp)
        : undefined;
  if (!date) throw bad('timestamp', 'Unix seconds or a XEP-0082 datetime');
  if (typeof origin !== 'string' || !BARE_JID.test(origin)) throw bad('origin', 'a bare JID');
  if (typeof revoked !== 'boolean') throw bad('revoked', 'true or false');
  if (
    !Array.isArray(sharedWith) ||
    sharedWith.length > MAX_SHARED_WITH ||
    !sharedWith.every((jid) => typeof jid === 'string' && BARE_JID.test(jid))
  ) {
    throw bad('shared_with', `a list of at most ${MAX_SHARED_WITH} bare JIDs`);
  }
  return {
    id,
    key,
    timestamp: xep82DateTime(date),
    origin: origin.toLowerCase(),
    revoked,
    sharedWith: [...new Set(sharedWith.map((jid: string) => jid.toLowerCase()))],
  };
}
