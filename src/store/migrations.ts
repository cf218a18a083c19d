/**
 * Schema versions, applied in order and tracked in PRAGMA user_version. The two tables of
 * the user guide keep their names and columns (users query them with sqlite3); PicoFlow's
 * own columns come after them.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE workflow_executions (
     id TEXT PRIMARY KEY,
     workflow_name TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     status TEXT NOT NULL,
     duration_seconds REAL,
     workflow_file TEXT,
     log_dir TEXT,
     owner_pid INTEGER,
     owner_start_ticks TEXT
   );
   CREATE TABLE task_executions (
     id TEXT PRIMARY KEY,
     workflow_execution_id TEXT NOT NULL,
     task_name TEXT NOT NULL,
     status TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     exit_code INTEGER,
     stdout TEXT,
     stderr TEXT,
     attempt INTEGER NOT NULL,
     duration_seconds REAL,
     error TEXT,
     failure_kind TEXT,
     log_path TEXT,
     FOREIGN KEY (workflow_execution_id) REFERENCES workflow_executions(id) ON DELETE CASCADE
   );
   CREATE INDEX idx_workflow_executions_name_started ON workflow_executions (workflow_name, started_at);
   CREATE INDEX idx_workflow_executions_started ON workflow_executions (started_at);
   CREATE INDEX idx_workflow_executions_status ON workflow_executions (status);
   CREATE INDEX idx_task_executions_execution ON task_executions (workflow_execution_id, task_name);
   CREATE INDEX idx_task_executions_started ON task_executions (started_at);`,
  // The process (group leader) each attempt started, so recovery after a crash can kill
  // what a dead PicoFlow left running instead of running the task twice at once. Its start
  // time is checked against the attempt's started_at then, so a reused PID is never killed.
  `ALTER TABLE task_executions ADD COLUMN process_pid INTEGER;`,
  // How each execution was started (schedule, catchup, manual, resume) and the fire time it
  // belongs to; the last fire time each workflow's schedule handled, so a daemon that was
  // down can catch up and a backward clock step never fires a time twice; the tasks of a
  // running execution that wait on a closed resource gate (no attempt row until they start).
  // Executions recorded before this version were started by hand or by a schedule: which
  // one is not known, so their trigger stays NULL.
  `ALTER TABLE workflow_executions ADD COLUMN trigger TEXT;
   ALTER TABLE workflow_executions ADD COLUMN scheduled_for TEXT;
   CREATE TABLE schedule_state (
     workflow_name TEXT PRIMARY KEY,
     last_fired_at TEXT NOT NULL
   );
   CREATE TABLE task_waits (
     workflow_execution_id TEXT NOT NULL,
     task_name TEXT NOT NULL,
     reason TEXT NOT NULL,
     since TEXT NOT NULL,
     PRIMARY KEY (workflow_execution_id, task_name),
     FOREIGN KEY (workflow_execution_id) REFERENCES workflow_executions(id) ON DELETE CASCADE
   );`,
  // A problem beside the attempt's result, e.g. its log file could not be written (a full disk).
  `ALTER TABLE task_executions ADD COLUMN warning TEXT;`,
  // handler: the list a handler task came from (on_failure, on_success, on_exit), NULL for the
  // workflow's own tasks. output: what an `output: true` task's successful attempt published.
  `ALTER TABLE task_executions ADD COLUMN handler TEXT;
   ALTER TABLE task_executions ADD COLUMN output TEXT;`,
  // The missed fire times of a `catchup: all` backlog not yet started (a JSON array of times,
  // oldest first), so a daemon stopped in the middle of one finishes it when it starts again.
  `ALTER TABLE schedule_state ADD COLUMN catchup_backlog TEXT;`,
];
