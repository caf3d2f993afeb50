/**
 * Z85 (ZeroMQ RFC 32), the text form of CURVE keys. zeromq.js 6 does not export its codec, and the
 * ZAP handler receives client keys as 32 raw bytes, so we carry this small one.
 */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes whose length is a multiple of 4. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`Z85 encodes multiples of 4 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  for (let offset = 0; offset < bytes.length; offset += 4) {
    let value = view.getUint32(offset);
    const chunk: string[] = new Array(5);
    for (let i = 4; i >= 0; i--) {
      chunk[i] = ALPHABET.charAt(value % 85);
      value = Math.floor(value / 85);
    }
    out += chunk.join('');
  }
  return out;
}

/** Decodes text whose length is a multiple of 5; returns undefined for anything that is not Z85. */
export function z85Decode(text: string): Uint8Array | undefined {
  if (text.length % 5 !== 0) return undefined;
  const out = new Uint8Array((text.length / 5) * 4);
  const view = new DataView(out.buffer);
  for (let offset = 0; offset < text.length; offset += 5) {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const code = text.charCodeAt(offset + i);
      const digit = code < 128 ? (DECODE[code] ?? -1) : -1;
      if (digit < 0) return undefined;
      value = value * 85 + digit;
    }
    // Five digits reach 85^5 - 1 > 2^32 - 1: such text is not the encoding of any 4 bytes.
    if (value > 0xffff_ffff) return undefined;
    view.setUint32((offset / 5) * 4, value);
  }
  return out;
}

/** Index of the first character outside the Z85 alphabet, or -1. */
export function firstNonZ85Char(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || (DECODE[code] ?? -1) < 0) return i;
  }
  return -1;
}
