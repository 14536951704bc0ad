/** Whether the name at `start` is `lower` (lower case letters and '-'), in any case. */
export function nameIs(text: string, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i += 1)
    // Setting bit 5 lower-cases a letter and leaves '-' as it is; a token has no other
    // character that this could map onto a letter or '-'.
    if ((text.charCodeAt(start + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** text.slice(from, to) without optional whitespace around it (SP and HTAB, RFC 9110 5.6.3). */
export function trimmedSlice(text: string, from: number, to: number): string {
  while (from < to && isOws(text.charCodeAt(from))) from += 1;
  while (to > from && isOws(text.charCodeAt(to - 1))) to -= 1;
  return text.slice(from, to);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
