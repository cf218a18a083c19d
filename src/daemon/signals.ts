/** The daemon's signals: SIGTERM/SIGINT stop it, SIGHUP reloads. Returns the function that removes the handlers. */
export interface SignalHandlers {
  stop: (signal: "SIGTERM" | "SIGINT") => void;
  reload: () => void;
}

export function handleSignals(handlers: SignalHandlers): () => void {
  const onTerm = () => handlers.stop("SIGTERM");
  const onInt = () => handlers.stop("SIGINT");
  const onHup = () => handlers.reload();
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  process.on("SIGHUP", onHup);
  return () => {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
    process.off("SIGHUP", onHup);
  };
}
