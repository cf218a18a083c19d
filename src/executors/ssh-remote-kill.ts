/**
 * Stopping a remote command that ran out of time. Closing an SSH channel does not stop a
 * command without a terminal (`sleep 300` keeps running on the server), and the protocol's
 * "signal" request is refused by OpenSSH for root logins ("session signalling requires
 * privilege separation"). What works everywhere: sshd starts each session in a process
 * group of its own as a child of the connection's sshd process, so a second session on the
 * same connection can signal its sibling groups. The pool gives a task its connection alone,
 * so the only sibling is the task's own command.
 */
import type { Client } from "ssh2";

/** How long one signalling session may take before we give up on it. */
const SIGNAL_SESSION_TIMEOUT_MS = 5000;
/** Bounded so a noisy failure cannot grow memory. */
const MAX_DIAGNOSTIC_CHARS = 500;

export type RemoteSignal = "TERM" | "KILL";

/**
 * Runs through /bin/sh whatever the user's login shell is. After `exec`, $$ is this session's
 * process and $PPID the connection's sshd process, whose other children lead the groups to signal.
 */
export function signalSiblingsCommand(signal: RemoteSignal): string {
  return `exec /bin/sh -c 'for p in $(pgrep -P $PPID); do [ "$p" = "$$" ] || kill -${signal} -"$p" 2>/dev/null; done; exit 0'`;
}

/** Signals the process groups of the connection's other sessions; resolves with a problem, if any. */
export function signalOtherSessions(client: Client, signal: RemoteSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    let diagnostic = "";
    const timer = setTimeout(() => resolve(`no answer within ${SIGNAL_SESSION_TIMEOUT_MS / 1000}s`), SIGNAL_SESSION_TIMEOUT_MS);
    const done = (problem: string | undefined) => {
      clearTimeout(timer);
      resolve(problem);
    };
    try {
      client.exec(signalSiblingsCommand(signal), (error, channel) => {
        if (error) return done(error.message);
        const collect = (chunk: Buffer) => {
          if (diagnostic.length < MAX_DIAGNOSTIC_CHARS) diagnostic += chunk.toString().slice(0, MAX_DIAGNOSTIC_CHARS);
        };
        channel.on("data", collect);
        channel.stderr.on("data", collect);
        channel.on("close", (code: number | null) => done(code === 0 ? undefined : diagnostic.trim() || `exit status ${code}`));
        channel.end();
      });
    } catch (error) {
      done((error as Error).message);
    }
  });
}
