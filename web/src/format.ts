export const shortDate = (iso: string | null | undefined): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const score = (s: number): string => s.toFixed(3);

/** Distinct, colour-blind-friendly hues (Okabe–Ito), then repeated; noise is grey. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#7A6A00', '#000000'];
export const clusterColor = (label: number): string => (label < 0 ? '#9aa1a9' : PALETTE[label % PALETTE.length]!);
