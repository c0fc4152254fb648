/*
 * Reads the beginning of a JSON document (the first bytes of a file, for format detection): what the
 * text holds so far, containers cut where the text stops. Objects have no prototype, so a
 * `__proto__` key is an ordinary key. Nesting deeper than `maxDepth` stops the read like the end of
 * the text does (hostile input); anything that is not JSON stops it as `invalid`.
 */

export interface JsonPrefix {
  /** The first value, as far as the text holds it (undefined when not even its start was readable). */
  value: unknown;
  /** True when the first value is complete (the text may continue: JSON Lines). */
  complete: boolean;
  /** The text is not JSON (an unexpected character), as opposed to merely cut off. */
  invalid: boolean;
  /** Containers (objects, arrays) that the text cuts off before their end. */
  open: ReadonlySet<object>;
  /** Offset just after the first value (when complete). */
  end: number;
}

class Stop extends Error {
  readonly invalid: boolean;
  constructor(invalid: boolean) {
    super(invalid ? 'not JSON' : 'cut off');
    this.invalid = invalid;
  }
}

const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const WHITESPACE = /[ \t\r\n]*/y;

/** Decodes the body of a JSON string (without quotes); a cut-off escape at the end is dropped. */
function decodeString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    // Cut inside an escape (`\`, `\u12`), or raw control characters: the readable part, undecoded.
    return raw.replace(/\\(?:u[0-9a-fA-F]{0,3})?$/, '');
  }
}

/** True when `rest` (the end of the text) can begin a literal: `tru`, `-`, `1e`. */
function isLiteralStart(rest: string): boolean {
  if (['true', 'false', 'null'].some((word) => word.startsWith(rest))) return true;
  return /^-?\d*(?:\.\d*)?(?:[eE][+-]?\d*)?$/.test(rest);
}

export function parseJsonPrefix(input: string, maxDepth = 48): JsonPrefix {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  let i = 0;
  const stack: object[] = [];
  const skipWhitespace = () => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
  };
  /** A string starting at `i` (the opening quote): its text, and whether its closing quote was seen. */
  const readString = (): { text: string; closed: boolean } => {
    let j = i + 1;
    for (;;) {
      const quote = text.indexOf('"', j);
      if (quote < 0) {
        const raw = text.slice(i + 1);
        i = text.length;
        return { text: decodeString(raw), closed: false };
      }
      let backslashes = 0;
      for (let k = quote - 1; k > i && text[k] === '\\'; k--) backslashes++;
      if (backslashes % 2 === 0) {
        const raw = text.slice(i + 1, quote);
        i = quote + 1;
        return { text: decodeString(raw), closed: true };
      }
      j = quote + 1;
    }
  };
  const readValue = (set: (value: unknown) => void, depth: number): void => {
    skipWhitespace();
    if (i >= text.length) throw new Stop(false);
    const char = text[i];
    if (char === '{' || char === '[') {
      // Deeper than detection needs: read no further (what was read stands, as if the text stopped here).
      if (depth >= maxDepth) throw new Stop(false);
      const isObject = char === '{';
      const container: Record<string, unknown> | unknown[] = isObject ? (Object.create(null) as Record<string, unknown>) : [];
      set(container);
      stack.push(container);
      i++;
      skipWhitespace();
      if (text[i] === (isObject ? '}' : ']')) {
        i++;
        stack.pop();
        return;
      }
      for (;;) {
        if (Array.isArray(container)) readValue((value) => container.push(value), depth + 1);
        else {
          skipWhitespace();
          if (i >= text.length) throw new Stop(false);
          if (text[i] !== '"') throw new Stop(true);
          const key = readString();
          if (!key.closed) throw new Stop(false);
          skipWhitespace();
          if (i >= text.length) throw new Stop(false);
          if (text[i] !== ':') throw new Stop(true);
          i++;
          readValue((value) => Object.defineProperty(container, key.text, { value, enumerable: true, writable: true, configurable: true }), depth + 1);
        }
        skipWhitespace();
        if (i >= text.length) throw new Stop(false);
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === (isObject ? '}' : ']')) {
          i++;
          stack.pop();
          return;
        }
        throw new Stop(true);
      }
    }
    if (char === '"') {
      const string = readString();
      set(string.text);
      if (!string.closed) throw new Stop(false);
      return;
    }
    LITERAL.lastIndex = i;
    const literal = LITERAL.exec(text);
    // A literal that runs to the end of the text may be cut (`tru`, `12` of `123`).
    if (!literal) throw new Stop(!(text.length - i <= 24 && isLiteralStart(text.slice(i))));
    if (LITERAL.lastIndex >= text.length) throw new Stop(false);
    set(JSON.parse(literal[0]) as unknown);
    i = LITERAL.lastIndex;
  };
  let value: unknown;
  try {
    readValue((v) => {
      value = v;
    }, 0);
    return { value, complete: true, invalid: false, open: new Set(), end: i };
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return { value, complete: false, invalid: error.invalid, open: new Set(stack), end: i };
  }
}
