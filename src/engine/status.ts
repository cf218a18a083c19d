/** Statuses exactly as stored in the database and shown to users. */
export const EXECUTION_STATUSES = ["Running", "Success", "Failed", "Skipped", "Timeout", "Interrupted"] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** How a finished attempt ended. */
export type AttemptStatus = Extract<ExecutionStatus, "Success" | "Failed" | "Timeout" | "Interrupted">;
export type WorkflowStatus = Extract<ExecutionStatus, "Success" | "Failed" | "Interrupted">;
