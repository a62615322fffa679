/*
 * Recognises binary content by its first bytes, so a PDF or an image sent as a "page"
 * gets a clear refusal instead of a summary of mojibake.
 */

/** Bytes inspected when deciding whether content is text. */
const SNIFF_BYTES = 8192;
/** Share of control characters (other than tab/newline/CR/form feed/ESC) above which bytes are not text. */
const MAX_CONTROL_SHARE = 0.1;

// Only signatures that plain text cannot start with; other binaries (BMP, EXE, MP3…) hold NUL bytes early.
const MAGIC: readonly { bytes: readonly number[]; offset?: number; kind: string }[] = [
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], kind: "a PDF document" }, // %PDF-
  { bytes: [0x89, 0x50, 0x4e, 0x47], kind: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], kind: "a JPEG image" },
  { bytes: [0x47, 0x49, 0x46, 0x38], kind: "a GIF image" }, // GIF8
  { bytes: [0x52, 0x49, 0x46, 0x46], kind: "a RIFF file (WebP image, WAV or AVI)" },
  { bytes: [0x66, 0x74, 0x79, 0x70], offset: 4, kind: "a video or HEIC/AVIF image" }, // ftyp
  { bytes: [0x50, 0x4b, 0x03, 0x04], kind: "a ZIP archive (or an Office document)" },
  { bytes: [0x1f, 0x8b], kind: "a gzip archive" },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf], kind: "a 7-Zip archive" },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], kind: "an old Office document" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], kind: "a program (ELF)" },
  { bytes: [0x4f, 0x67, 0x67, 0x53], kind: "an Ogg audio/video file" },
  { bytes: [0x1a, 0x45, 0xdf, 0xa3], kind: "a WebM/Matroska video" },
];

function startsWith(bytes: Uint8Array, magic: readonly number[], offset = 0): boolean {
  return magic.every((byte, index) => bytes[offset + index] === byte);
}

function hasTextBom(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

/**
 * Names what binary `bytes` are ("a PDF document", "a PNG image", "a binary file"), or returns
 * undefined when they look like text (any charset: GBK and UTF-8 bytes are ≥ 0x80, not controls).
 */
export function describeBinary(bytes: Uint8Array): string | undefined {
  for (const { bytes: magic, offset, kind } of MAGIC) {
    if (startsWith(bytes, magic, offset)) return kind;
  }
  if (hasTextBom(bytes)) return undefined; // UTF-16 text is full of NULs
  const sample = bytes.subarray(0, SNIFF_BYTES);
  let controls = 0;
  for (const byte of sample) {
    if (byte === 0) return "a binary file";
    // 9–13 are tab/newlines/form feed; 27 is ESC (ISO-2022 text).
    if (byte < 32 && !(byte >= 9 && byte <= 13) && byte !== 27) controls += 1;
  }
  return sample.length > 0 && controls / sample.length > MAX_CONTROL_SHARE ? "a binary file" : undefined;
}

/** Readers accept a PDF header anywhere in the first KB (some generators put junk before it). */
const PDF_HEADER_WINDOW = 1024;

/** True when `bytes` are a PDF file: `%PDF-` near the start. */
export function isPdfBytes(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, PDF_HEADER_WINDOW));
  return head.indexOf("%PDF-", 0, "latin1") !== -1;
}
