// Timestamps as the API writes them.

/** A timestamp column (a Date, or the string a raw query gives) as ISO 8601; null stays null. */
export const iso = (d: Date | string | null | undefined) =>
  d == null ? null : (typeof d === 'string' ? new Date(d) : d).toISOString();
