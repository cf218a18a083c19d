/** UTC `YYYY-MM-DD HH:MM:SS.sss`, the form stored in the database (sorts and compares as text). */
export function toSqlTime(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

/** Parses a stored UTC time back into a Date. */
export function fromSqlTime(text: string): Date {
  return new Date(`${text.replace(" ", "T")}Z`);
}

/** `YYYY-MM-DD_HHMMSS` (UTC), for log folder names. */
export function toFolderTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}
