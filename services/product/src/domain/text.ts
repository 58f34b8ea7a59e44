/** C0 controls and DEL: PostgreSQL refuses NUL in text and jsonb, and none belong in a label. */
export function isControl(code: number): boolean {
  return code <= 0x1f || code === 0x7f;
}

export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

/** Each control character becomes a space. */
export function replaceControlCharacters(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += isControl(text.charCodeAt(i)) ? ' ' : text[i];
  return out;
}
