/**
 * PicoFlow's own control variables: read by PicoFlow from its environment and never passed
 * on to a task's process, whether `picoflow run` or the daemon started it. Systemd's notify
 * variables belong to the daemon's PID alone (a task that answered on NOTIFY_SOCKET would speak
 * for it); the rest are secrets or internal markers. The other PICOFLOW_* settings
 * (PICOFLOW_DB_PATH...) are kept, so a task that calls picoflow itself sees the same database.
 *
 * The names are spelled here, not imported from their owners, so `picoflow run` loads none of
 * the daemon's modules; test/util/control-variables.test.ts checks each owner's constant is listed.
 */
export const CONTROL_VARIABLES: readonly string[] = [
  // systemd's notify socket and watchdog (src/daemon/service-manager.ts)
  "NOTIFY_SOCKET",
  "WATCHDOG_USEC",
  "WATCHDOG_PID",
  // the dashboard's token (src/daemon/dashboard.ts)
  "PICOFLOW_DASHBOARD_TOKEN",
  // the passphrase of an encrypted SSH key (src/executors/ssh-keys.ts): the SSH executor reads it, tasks do not
  "PICOFLOW_SSH_PASSPHRASE",
  // the detached daemon's log file (src/daemon/detach.ts)
  "PICOFLOW_DAEMON_LOG_FILE",
  // which engine settings the daemon added across its execve (src/daemon/engine-settings.ts)
  "PICOFLOW_ENGINE_SETTINGS_ADDED",
];

/** `env` less PicoFlow's control variables: what a task's process inherits. */
export function withoutControlVariables(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const inherited = { ...env };
  for (const name of CONTROL_VARIABLES) delete inherited[name];
  return inherited;
}
