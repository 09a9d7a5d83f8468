/** A record id from a URL (calculations, outputs, users, groups): 1 to 15 digits, as Django's `<int:...>`; null otherwise. */
export function parseId(raw: string | undefined): number | null {
  return raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}
