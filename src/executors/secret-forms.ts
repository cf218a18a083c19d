/**
 * The forms PicoFlow itself gives a secret on its way out, which a server may echo back and
 * history would then keep: percent-encoded (in a URL), JSON-escaped (in a JSON body), and the
 * base64 of URL userinfo that fetch sends as `Authorization: Basic`. Each is redacted like
 * the secret itself.
 */
export function derivedForms(secret: string): string[] {
  const forms = new Set([
    encodeURIComponent(secret),
    encodeURI(secret),
    encodeURIComponent(secret).replaceAll("%20", "+"),
    JSON.stringify(secret).slice(1, -1),
  ]);
  forms.delete(secret);
  forms.delete("");
  return [...forms];
}

/**
 * What a URL with `user:password@` makes fetch send and servers echo: the userinfo as the URL
 * parser encodes it, and the `Authorization: Basic` value. Empty when the URL has no userinfo.
 */
export function userinfoForms(url: string): { userinfo: string; forms: string[] } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username === "" && parsed.password === "") return undefined;
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const user = decode(parsed.username);
  const password = decode(parsed.password);
  const userinfo = `${user}:${password}`;
  const basic = Buffer.from(userinfo).toString("base64");
  return { userinfo, forms: [basic, parsed.username, parsed.password].filter((form) => form.length > 0) };
}
