/**
 * Keeps a run going when its record cannot be written, and says so at the end. A full disk
 * must not abort the tasks (their processes would be left behind), but the user must learn
 * that the history is incomplete, and how the next start puts it right.
 */
import type { RunEventListener } from "../engine/events.ts";
import { StoreError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { Store } from "../store/types.ts";
import { currentProcess } from "../util/process-identity.ts";

export interface RecordingGuard {
  /** The recorder, with its first failure remembered instead of thrown into the engine. */
  listener: RunEventListener;
  /** After the run: commits what is pending; throws a StoreError naming the database if anything was lost. */
  settle(): void;
  /** The engine itself failed: end the execution `Interrupted` (resumable) rather than leave it `Running`. */
  abandon(): void;
}

export function guardRecording(store: Store, dbPath: string, executionId: string, recorder: RunEventListener, logger: Logger): RecordingGuard {
  let firstFailure: unknown;
  const remember = (error: unknown) => {
    if (firstFailure === undefined) {
      firstFailure = error;
      logger.error({ err: error, execution_id: executionId, db_path: dbPath }, "history database could not be written; the run goes on");
    }
  };
  return {
    listener: (event) => {
      try {
        recorder(event);
      } catch (error) {
        remember(error);
      }
    },
    settle() {
      try {
        store.settleExecution(executionId);
      } catch (error) {
        remember(error);
      }
      if (firstFailure === undefined) return;
      const reason = ((firstFailure as Error).message ?? String(firstFailure)).replace(/^database write failed( for execution \S+)?: /, "");
      throw new StoreError(
        `database ${dbPath} could not be written (${reason}): the record of execution ${executionId} is incomplete; ` +
          `once it can be written again, \`picoflow run --resume ${executionId}\` or the next daemon start recovers it`,
        { cause: firstFailure },
      );
    },
    abandon() {
      try {
        store.markInterrupted(executionId, currentProcess(), "interrupted: the run stopped on an internal failure");
      } catch (error) {
        remember(error);
      }
    },
  };
}
