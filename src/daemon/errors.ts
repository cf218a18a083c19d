import { EXIT_FAILED, PicoflowError } from "../errors.ts";

/** The daemon cannot start: another daemon owns the database or PID file, or the metrics port is taken. */
export class DaemonStartError extends PicoflowError {
  readonly exitCode = EXIT_FAILED;
}
