/**
 * @module Point ids, as CALM mapped them: Qdrant only takes UUIDs (or integers) as point ids, so a
 * string id that is not already a UUID becomes uuid5(NAMESPACE_DNS, id), and the original id is kept in
 * the payload under `_original_id` (hidden from readers). Same namespace as CALM, so a record keeps the
 * point it had there.
 */
import { createHash } from 'node:crypto';

/** Python's `uuid.NAMESPACE_DNS`, the namespace CALM used. */
export const CALM_ID_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
export const ORIGINAL_ID_KEY = '_original_id';

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What Python's `uuid.UUID(s)` also accepts: 32 hex digits, optionally in braces or with a `urn:uuid:` prefix. */
const LOOSE = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

function format(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** RFC 4122 version 5: SHA-1 of the namespace bytes and the UTF-8 name, with version and variant bits set. */
export function uuidv5(name: string, namespace: string = CALM_ID_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  return format(hash.subarray(0, 16).toString('hex'));
}

/** The Qdrant point id of a record id: the id itself when it is a UUID (canonical form), else its uuid5. */
export function pointId(id: string): string {
  if (CANONICAL.test(id)) return id.toLowerCase();
  const m = LOOSE.exec(id);
  if (m && (id.startsWith('urn:uuid:') ? true : id.startsWith('{') === id.endsWith('}'))) return format(m.slice(1).join('').toLowerCase());
  return uuidv5(id);
}
