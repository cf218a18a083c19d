/** `${VAR}` substitution and the redaction that keeps substituted values out of what PicoFlow records. */
import { expect, test } from "bun:test";
import { MissingVariableError, RedactingWriter, Substitution } from "../../src/executors/substitute.ts";

test("${VAR} takes the environment's value, $${VAR} is the literal text, other dollars are left alone", () => {
  const substitution = new Substitution({ HOST: "api.internal", EMPTY: "" });
  expect(substitution.text("https://${HOST}/x?price=$5&y=${EMPTY}&t=$${HOST}&z=${not valid}", "url")).toBe(
    "https://api.internal/x?price=$5&y=&t=${HOST}&z=${not valid}",
  );
});

test("an unset variable throws, naming the variable and the field; an empty one is set", () => {
  const substitution = new Substitution({ EMPTY: "" });
  expect(() => substitution.text("a ${MISSING} b", "headers.X-Key")).toThrow(new MissingVariableError("MISSING", "headers.X-Key"));
  expect(() => substitution.deep({ list: [{ deep: "${GONE}" }] }, "body")).toThrow("environment variable GONE is not set (used in body.list[0].deep)");
  expect(substitution.text("${EMPTY}", "url")).toBe("");
});

test("deep substitution reaches strings in nested bodies, leaving keys and other values as they are", () => {
  const substitution = new Substitution({ V: "v1.2.3" });
  expect(substitution.deep({ "${V}": "${V}", n: 3, ok: true, none: null, list: ["${V}", 1] }, "body")).toEqual({
    "${V}": "v1.2.3",
    n: 3,
    ok: true,
    none: null,
    list: ["v1.2.3", 1],
  });
});

test("redact hides every substituted value, the longest first", () => {
  const substitution = new Substitution({ SHORT: "abc", LONG: "abcdef" });
  substitution.text("${SHORT} ${LONG}", "url");
  expect(substitution.redact("x abcdef y abc z")).toBe("x ${LONG} y ${SHORT} z");
});

test("the streaming redactor catches a secret split across chunks, even byte by byte", () => {
  const substitution = new Substitution({ TOKEN: "tok-12345-secret" });
  substitution.text("${TOKEN}", "headers.Authorization");
  const body = "before tok-12345-secret middle tok-12345-secret after é";
  for (const size of [1, 2, 3, 5, 7, 16, 100]) {
    let out = "";
    const writer = new RedactingWriter(substitution, (text) => {
      out += text;
    });
    const bytes = new TextEncoder().encode(body);
    for (let i = 0; i < bytes.length; i += size) writer.write(bytes.subarray(i, i + size));
    writer.end();
    expect(out).toBe("before ${TOKEN} middle ${TOKEN} after é");
  }
});
