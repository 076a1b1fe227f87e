// The shape shared by the throwaway XMPP servers of the test harness (prosody.ts, ejabberd.ts),
// so tests and scripts can run against either.
export interface XmppTestServer {
  /** PID of the server process itself (Prosody's Lua process, ejabberd's Erlang VM). */
  pid: number;
  /** c2s port on 127.0.0.1 (STARTTLS). */
  port: number;
  /** Temp dir holding config, certificate, data and logs. */
  dir: string;
  /** Self-signed certificate (PEM, certificate only) to give clients as their CA. */
  certFile: string;
  configFile: string;
  logFile: string;
  /** Stops this instance (and only it); resolves once its processes have exited. */
  stop(): Promise<void>;
}
