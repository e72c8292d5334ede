/** UTC ISO-8601 with milliseconds and `Z`: sortable as text, the one timestamp format calm writes. */
export const nowIso = (): string => new Date().toISOString();
