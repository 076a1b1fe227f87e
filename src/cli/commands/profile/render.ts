// Human rendering of profiles.
import type { ChalkInstance } from 'chalk';
import type { ProfileView } from '../../../app/profiles.js';
import { domainOf } from '../../../xmpp/jid.js';

export function renderProfile(p: ProfileView, color: ChalkInstance): string {
  const server = p.host
    ? `${p.host}:${p.port ?? 5222}`
    : p.port
      ? `${domainOf(p.jid)}:${p.port}`
      : 'from DNS';
  const lines = [
    `${color.bold(p.name)}${p.default ? color.green(' (default)') : ''}${p.source === 'environment' ? color.dim(' (from OXPS_JID; not a saved profile)') : ''}`,
    `  jid       ${p.jid}`,
    `  server    ${server}`,
    `  tls ca    ${p.tlsCa ?? 'system roots'}`,
    `  keystore  ${!p.keystore || p.keystore === 'auto' ? 'auto (the OS keychain if one answers, else the vault)' : p.keystore}`,
  ];
  return lines.join('\n');
}
