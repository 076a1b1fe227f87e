// Whether a Linux keychain could answer at all.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Linux keychains answer on the D-Bus session bus; without its address and without the
 * standard socket there is none to ask (cron, CI, SSH), and a probe would only fail with
 * D-Bus jargon ("X11 autolaunch") after a wait.
 */
export function noDbusSession(): boolean {
  if (process.platform !== 'linux' || process.env.DBUS_SESSION_BUS_ADDRESS) return false;
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  return !runtimeDir || !existsSync(join(runtimeDir, 'bus'));
}
