// SCIM filters (RFC 7644 §3.4.2.2) built from what a person typed: values are
// JSON strings, so quotes and backslashes are escaped, never spliced.

/** A quoted filter value. */
export function quote(value) {
  return JSON.stringify(String(value));
}

/** `attr op "value"`. */
export function compare(attr, op, value) {
  return `${attr} ${op} ${quote(value)}`;
}

/** The filter of every non-empty clause, joined with `and`. */
export function and(...clauses) {
  const parts = clauses.filter(Boolean);
  if (parts.length === 0) return '';
  return parts.join(' and ');
}

/** The filter of every non-empty clause, joined with `or`, in parentheses. */
export function or(...clauses) {
  const parts = clauses.filter(Boolean);
  if (parts.length < 2) return parts.join('');
  return `(${parts.join(' or ')})`;
}
