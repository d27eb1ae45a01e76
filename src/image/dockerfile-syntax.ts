/**
 * The Dockerfile's own syntax for values: how the renderer quotes a value for `ENV`, `LABEL` and
 * `ARG`, and writes the exec form of `CMD`, `ENTRYPOINT`, `HEALTHCHECK` and `RUN`. Only the
 * image room writes Dockerfile text (a rule of .dependency-cruiser.js).
 */

/** Quotes a value for a Dockerfile `ENV`/`LABEL`/`ARG` instruction (double quotes, `$` escaped). */
export function dockerQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$')}"`;
}

/** A JSON array for the exec form of `CMD`/`ENTRYPOINT`/`HEALTHCHECK`/`RUN`. */
export function execForm(args: readonly string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(', ')}]`;
}
