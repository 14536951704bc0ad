/**
 * Whether the name at `start` is `lower` (lower-case letters, digits and '-'), in any case.
 * Setting bit 5 lower-cases a letter and leaves digits and '-' as they are; a token has no other
 * character that it could map onto one of those.
 */
export function nameIs(text: string, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i += 1)
    if ((text.charCodeAt(start + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/**
 * Recognises a fixed set of header names in any case without making strings: the names are kept
 * by length, so a name of any other length costs one array lookup.
 */
export class HeaderNames<K extends number> {
  private readonly byLength: (readonly string[])[];
  private readonly kindsByLength: (readonly K[])[];

  /**
   * `entries`: [lower-case name, kind], the first entry for a name counting; `other`: the kind of
   * every name not listed.
   */
  constructor(
    entries: Iterable<readonly [string, K]>,
    private readonly other: K,
  ) {
    const names = new Map<string, K>();
    for (const [name, kind] of entries) if (!names.has(name)) names.set(name, kind);
    const longest = Math.max(0, ...[...names.keys()].map((name) => name.length));
    const byLength: string[][] = Array.from({ length: longest + 1 }, () => []);
    const kindsByLength: K[][] = Array.from({ length: longest + 1 }, () => []);
    for (const [name, kind] of names) {
      byLength[name.length]!.push(name);
      kindsByLength[name.length]!.push(kind);
    }
    this.byLength = byLength;
    this.kindsByLength = kindsByLength;
  }

  /** The kind of the name at `text[start, start + length)`. */
  kindOf(text: string, start: number, length: number): K {
    if (length >= this.byLength.length) return this.other;
    const candidates = this.byLength[length]!;
    for (let i = 0; i < candidates.length; i += 1)
      if (nameIs(text, start, candidates[i]!)) return this.kindsByLength[length]![i]!;
    return this.other;
  }
}

/**
 * Whether `data` holds `bytes` at `offset`: how a head equal byte for byte to one read before is
 * recognised (ResponseParser's memo, FastConnection.readHead).
 */
export function holdsAt(data: Buffer, offset: number, bytes: Buffer): boolean {
  return (
    bytes.length <= data.length - offset &&
    data.compare(bytes, 0, bytes.length, offset, offset + bytes.length) === 0
  );
}

/** text.slice(from, to) without optional whitespace around it (SP and HTAB, RFC 9110 5.6.3). */
export function trimmedSlice(text: string, from: number, to: number): string {
  while (from < to && isOws(text.charCodeAt(from))) from += 1;
  while (to > from && isOws(text.charCodeAt(to - 1))) to -= 1;
  return text.slice(from, to);
}

/**
 * [name, value, ...] of a head's lines after its first (request or status) line, values trimmed,
 * like Node's `rawHeaders`. Only for a head its parser's HEAD_SHAPE already passed: every line is
 * "name:value".
 */
export function rawHeadersOf(text: string): string[] {
  const out: string[] = [];
  const firstEnd = text.indexOf("\r\n");
  for (let start = firstEnd + 2; firstEnd >= 0 && start < text.length;) {
    let stop = text.indexOf("\r\n", start);
    if (stop < 0) stop = text.length;
    const colon = text.indexOf(":", start);
    out.push(text.slice(start, colon), trimmedSlice(text, colon + 1, stop));
    start = stop + 2;
  }
  return out;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
