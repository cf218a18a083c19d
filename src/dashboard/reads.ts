/** The dashboard's read-only view of the history, on the daemon's own store connection. */
import { executionTotals, latestExecutionPerWorkflow, listExecutions } from "../store/queries.ts";
import type { SqliteStore } from "../store/sqlite.ts";
import type { DashboardReads } from "./host.ts";

export function storeReads(store: SqliteStore): DashboardReads {
  const db = store.database;
  return {
    // flush(): attempts still in the store's few-millisecond write batch must show too.
    listExecutions: (filter) => (store.flush(), listExecutions(db, filter)),
    findExecution: (idOrShort) => store.findExecution(idOrShort),
    taskExecutions: (executionId) => store.taskExecutions(executionId),
    latestExecutionPerWorkflow: () => (store.flush(), latestExecutionPerWorkflow(db)),
    executionTotals: (since) => (store.flush(), executionTotals(db, since)),
  };
}
