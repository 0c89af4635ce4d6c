// The `Row` type custom LF code is checked against, kept apart from Monaco: the notebook publishes it when samples
// load, and Monaco (loaded only when an editor is first shown) picks it up then. Importing Monaco just to hand it
// the type would parse its multi-megabyte bundle on the main thread while the analyst starts editing.
let declaration: string | undefined;
let apply: ((declaration: string) => void) | undefined;

export function publishRowType(next: string): void {
  declaration = next;
  apply?.(next);
}

/** Called once by the Monaco setup: applies the current type now and every later one. */
export function applyRowTypes(to: (declaration: string) => void): void {
  apply = to;
  if (declaration !== undefined) to(declaration);
}
