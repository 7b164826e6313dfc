// User-facing errors: anything thrown as UserError is printed as one line without a stack.
// DataError names the file, line and field at fault.

export class UserError extends Error {
  override name = 'UserError';
}

/** Where in an input a problem was found. line is 1-based; field is a column or key name. */
export interface Where {
  file: string;
  line?: number;
  field?: string;
}

export function formatWhere(w: Where): string {
  let s = w.file;
  if (w.line !== undefined) s += `:${w.line}`;
  if (w.field !== undefined) s += ` (field "${w.field}")`;
  return s;
}

export class DataError extends UserError {
  override name = 'DataError';
  constructor(
    readonly where: Where,
    message: string,
  ) {
    super(`${formatWhere(where)}: ${message}`);
  }
}
