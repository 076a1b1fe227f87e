// A TCP relay to the test server that holds every byte the server sends for a fixed time: a
// round trip as long as a distant server's, so that which requests share one depends on what
// the client waits for, not on how fast this machine is (on loopback an answer comes back within
// a fraction of a millisecond, sooner than a file read). TLS runs through it end to end.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface LatencyProxy {
  port: number;
  close(): Promise<void>;
}

export async function startLatencyProxy(targetPort: number, delayMs: number): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    // same delay for every chunk: they arrive in the order they were sent
    upstream.on('data', (chunk) => setTimeout(() => client.writable && client.write(chunk), delayMs));
    upstream.on('end', () => setTimeout(() => client.end(), delayMs));
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
