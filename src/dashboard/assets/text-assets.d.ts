// Stylesheets are imported as text and served as files.
declare module "*.css" {
  const text: string;
  export default text;
}
