/** Quotes a value for a Dockerfile `ENV`/`LABEL` instruction (double quotes, `$` escaped). */
export function dockerQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$')}"`;
}

/** A JSON array for the exec form of `CMD`/`ENTRYPOINT`/`HEALTHCHECK`. */
export function execForm(args: readonly string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(', ')}]`;
}

/** The Python package name for a service id (`feature-store` -> `feature_store`). */
export function moduleName(id: string): string {
  return id.replace(/-/g, '_');
}
