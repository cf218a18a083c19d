/**
 * The `default` of a switch over a union: the switch stops compiling when the union gains a
 * member without a case. Reached at run time only if a value lied about its type.
 */
export function exhaustive(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
