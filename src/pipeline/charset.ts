import chardet from "chardet";
import iconv from "iconv-lite";

/*
 * Tunables for picking a charset. Chinese pages are often GB2312/GBK/GB18030, declared in a
 * `<meta>` or not at all, sometimes with a header that says something else.
 */

/** Bytes scanned for `<meta charset>`, `http-equiv`, `<?xml encoding>` and the bench's `<text encoding>` line.
 * Browsers prescan 1024 bytes; old Chinese portals put long comments and scripts before the meta, so we look further. */
const SNIFF_BYTES = 4096;
/** Bytes given to chardet: plenty for a confident guess; chardet costs ~0.5 ms per KB, so bounded. */
const DETECT_BYTES = 16 * 1024;
/** chardet confidence (0–100) under which a single-byte guess loses to a clean GB18030 decode. */
const MIN_SINGLE_BYTE_CONFIDENCE = 60;
/** A page declared UTF-8 whose bytes give more replacement characters than this share of its
 * non-ASCII characters is mislabeled; we detect instead. A few invalid bytes stay a UTF-8 page. */
const MAX_UTF8_ERROR_SHARE = 0.05;

/** Labels that name (a subset of) GB18030: decoding as the superset keeps every character. */
const GB_FAMILY = new Set([
  "gb2312",
  "gb_2312",
  "gb_2312-80",
  "gbk",
  "x-gbk",
  "cp936",
  "ms936",
  "windows-936",
  "csgb2312",
  "csgbk",
  "chinese",
  "iso-ir-58",
  "euc-cn",
  "euccn",
  "gb18030",
]);

/** Labels the web treats as windows-1252 (WHATWG Encoding: latin1 and ASCII labels decode as 1252). */
const WINDOWS_1252_FAMILY = new Set([
  "iso-8859-1",
  "iso8859-1",
  "latin1",
  "l1",
  "ascii",
  "us-ascii",
  "cp1252",
  "windows-1252",
]);

const SINGLE_BYTE = /^(windows-125\d|iso-8859-\d+|koi8-[ru])$/;

/**
 * Normalises a charset label to a name iconv-lite decodes: `utf8` → `utf-8`, GB2312/GBK → `gb18030`
 * (its superset), latin1/ASCII → `windows-1252`. Returns undefined for labels nobody can decode.
 */
export function normalizeCharset(label: string | undefined | null): string | undefined {
  const name = label
    ?.trim()
    .replace(/^["']|["']$/g, "")
    .trim()
    .toLowerCase();
  if (!name) return undefined;
  if (name === "utf8" || name === "utf-8" || name === "unicode-1-1-utf-8") return "utf-8";
  if (GB_FAMILY.has(name)) return "gb18030";
  if (WINDOWS_1252_FAMILY.has(name)) return "windows-1252";
  if (name === "big5-hkscs" || name === "x-x-big5") return "big5";
  if (name === "x-sjis" || name === "ms_kanji" || name === "windows-31j") return "shift_jis";
  return iconv.encodingExists(name) ? name : undefined;
}

/** The charset a `Content-Type` value declares (`text/html; charset=gbk` → `gb18030`). */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";,\s]+)\1/i.exec(contentType ?? "");
  return normalizeCharset(match?.[2]);
}

function charsetFromBom(bytes: Uint8Array): { charset: string; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: "utf-8", length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: "utf-16le", length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: "utf-16be", length: 2 };
  if (bytes[0] === 0x84 && bytes[1] === 0x31 && bytes[2] === 0x95 && bytes[3] === 0x33) {
    return { charset: "gb18030", length: 4 };
  }
  return undefined;
}

const META_CHARSET = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i;
const XML_DECLARATION = /^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']/i;
/** The zh bench's wrapper line: `<text id="…" title="…" encoding="gb2312">` before the HTML. */
const TEXT_WRAPPER = /^\s*<text\b[^>]*?\bencoding\s*=\s*["']?([\w.:-]+)/i;

/** The charset the document declares in its first bytes, if any. */
export function charsetFromMarkup(bytes: Uint8Array): string | undefined {
  // latin1 maps each byte to one code unit, so ASCII markup reads the same whatever the real charset.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SNIFF_BYTES)).toString("latin1");
  const label = XML_DECLARATION.exec(head)?.[1] ?? TEXT_WRAPPER.exec(head)?.[1] ?? META_CHARSET.exec(head)?.[1];
  const charset = normalizeCharset(label);
  // A document readable as ASCII cannot really be UTF-16; browsers read such a declaration as UTF-8.
  return charset?.startsWith("utf-16") ? "utf-8" : charset;
}

/** True when `bytes` decode as UTF-8 without a single invalid sequence. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function hasNonAscii(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return true;
  return false;
}

function replacementShare(text: string): number {
  let nonAscii = 0;
  let replaced = 0;
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) continue;
    nonAscii += 1;
    if (char === "\ufffd") replaced += 1;
  }
  return nonAscii === 0 ? 0 : replaced / nonAscii;
}

/** Guesses the charset of undeclared bytes: UTF-8 when valid, else chardet, leaning to GB18030. */
export function detectCharset(bytes: Uint8Array): string {
  const sample = bytes.subarray(0, DETECT_BYTES);
  if (!hasNonAscii(sample)) return "utf-8";
  // A cut in the middle of a multi-byte character must not turn valid UTF-8 into "invalid".
  if (isValidUtf8(trimIncompleteUtf8(sample))) return "utf-8";
  const matches = chardet.analyse(sample);
  const best = matches[0];
  const bestCharset = normalizeCharset(best?.name);
  if (bestCharset === undefined) return "gb18030";
  if (SINGLE_BYTE.test(bestCharset) && (best?.confidence ?? 0) < MIN_SINGLE_BYTE_CONFIDENCE) {
    const gb = matches.find((match) => normalizeCharset(match.name) === "gb18030");
    if (gb && replacementShare(iconv.decode(Buffer.from(sample), "gb18030")) === 0) return "gb18030";
  }
  return bestCharset;
}

/** Drops up to 3 trailing bytes of a UTF-8 sequence cut by sampling. */
function trimIncompleteUtf8(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back] ?? 0;
    if (byte < 0x80) return bytes;
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return needed > back ? bytes.subarray(0, bytes.length - back) : bytes;
    }
  }
  return bytes;
}

/** Where the charset came from, for tests and logs. */
export type CharsetSource = "bom" | "header" | "markup" | "utf8-override" | "detected";

/**
 * Picks the charset of a page: BOM, then the HTTP header, then the markup's declaration
 * (a markup declaration wins over a header that only says latin1, the old Apache default),
 * else detection. A legacy declaration over bytes that are valid UTF-8 loses to UTF-8
 * (a common mislabel on Chinese sites); a UTF-8 declaration over mostly invalid bytes is detected.
 */
export function chooseCharset(
  bytes: Uint8Array,
  contentType?: string,
): { charset: string; source: CharsetSource; bomLength: number } {
  const bom = charsetFromBom(bytes);
  if (bom) return { charset: bom.charset, source: "bom", bomLength: bom.length };

  const fromHeader = charsetFromContentType(contentType);
  const fromMarkup = charsetFromMarkup(bytes);
  let declared: { charset: string; source: CharsetSource } | undefined;
  if (fromHeader && !(fromHeader === "windows-1252" && fromMarkup))
    declared = { charset: fromHeader, source: "header" };
  else if (fromMarkup) declared = { charset: fromMarkup, source: "markup" };

  if (declared === undefined) return { charset: detectCharset(bytes), source: "detected", bomLength: 0 };
  if (declared.charset === "utf-8") {
    if (isValidUtf8(bytes) || replacementShare(new TextDecoder("utf-8").decode(bytes)) <= MAX_UTF8_ERROR_SHARE) {
      return { ...declared, bomLength: 0 };
    }
    return { charset: detectCharset(bytes), source: "detected", bomLength: 0 };
  }
  if (!declared.charset.startsWith("utf-16") && hasNonAscii(bytes) && isValidUtf8(bytes)) {
    return { charset: "utf-8", source: "utf8-override", bomLength: 0 };
  }
  return { ...declared, bomLength: 0 };
}

/**
 * Decodes page bytes to text by the right charset (see `chooseCharset`). Never throws on bad
 * bytes: they become U+FFFD, so one broken character cannot lose a whole article.
 */
export function decodeText(bytes: Uint8Array, contentType?: string): string {
  const { charset, bomLength } = chooseCharset(bytes, contentType);
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + bomLength, bytes.byteLength - bomLength);
  return iconv.decode(body, charset, { stripBOM: true });
}
