// dashboard.js is imported as text (served to browsers, never run by Bun); this types that import.
declare const text: string;
export default text;
