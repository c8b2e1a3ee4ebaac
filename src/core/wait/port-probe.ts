// One readiness check of a TCP port on this machine's loopback addresses. Never connects
// anywhere else: the host is fixed, only the port comes from the caller.
import net from "node:net";

/** The only hosts a probe connects to. */
export const LOOPBACK_HOSTS = ["127.0.0.1", "::1"] as const;
export type LoopbackHost = (typeof LOOPBACK_HOSTS)[number];

/**
 * Tries 127.0.0.1 and ::1 at once; resolves with the first that accepted a connection (closed
 * again at once), or undefined when neither did within `attemptTimeoutMs`.
 */
export function probeLoopbackPort(port: number, attemptTimeoutMs = 1000): Promise<LoopbackHost | undefined> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.reject(new RangeError(`port must be 1-65535, got ${port}`));
  return new Promise((resolve) => {
    let pending = LOOPBACK_HOSTS.length;
    let settled = false;
    for (const host of LOOPBACK_HOSTS) {
      void connectOnce(host, port, attemptTimeoutMs).then((open) => {
        pending--;
        if (settled) return;
        if (open) {
          settled = true;
          resolve(host);
        } else if (pending === 0) {
          settled = true;
          resolve(undefined);
        }
      });
    }
  });
}

function connectOnce(host: LoopbackHost, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    const done = (open: boolean) => {
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    // Linux can connect a socket to itself when the source port the kernel picks equals the
    // port probed (TCP simultaneous open): that is nobody listening, not an open port.
    socket.once("connect", () => done(!(socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress)));
  });
}
