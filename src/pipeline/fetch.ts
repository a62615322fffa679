import { lookup as dnsLookup } from "node:dns/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { Readable } from "node:stream";
import zlib from "node:zlib";
import ipaddr from "ipaddr.js";
import { ErrorCode, FetchError } from "../errors.js";
import { decodeText } from "./charset.js";
import { describeBinary, isPdfBytes } from "./sniff.js";

/*
 * Fetching a link a person sent. User URLs are hostile: every hop is checked on the address
 * it resolves to, the connection is pinned to that checked address (no DNS rebinding), and
 * time, size and redirects are capped. node:http(s) gives us the `lookup` hook to pin with.
 */

/** Whole request, redirects included. */
const DEFAULT_TIMEOUT_MS = 15_000;
/** Body cap, counted after decompression so a gzip bomb stops here. */
const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
/** PDFs (accept "document") are bigger than pages: reports with figures run to several MB. Same as PDF_LIMITS.maxBytes. */
const DEFAULT_MAX_PDF_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;
/** A current desktop Chrome: some Chinese portals serve an empty shell or a 403 to unknown agents. */
const USER_AGENT =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const ACCEPT_LANGUAGE = "zh-CN,zh;q=0.9,en;q=0.8";
const ACCEPT_HEADER = {
  html: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  document: "text/html,application/xhtml+xml,application/pdf,application/xml;q=0.9,*/*;q=0.8",
  feed: "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,text/xml;q=0.9,text/html;q=0.7,*/*;q=0.5",
  any: "*/*",
} as const;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Content types each `accept` mode takes. A missing type is allowed and the body sniffed instead. */
const HTML_TYPES = new Set(["text/html", "application/xhtml+xml", "text/plain"]);
const FEED_TYPES = new Set([
  ...HTML_TYPES,
  "application/rss+xml",
  "application/atom+xml",
  "application/rdf+xml",
  "application/xml",
  "text/xml",
  "application/feed+json",
  "application/json",
]);
/** `document` takes web pages and PDFs; octet-stream only when its bytes turn out to be a PDF. */
const PDF_TYPES = new Set(["application/pdf", "application/x-pdf", "application/octet-stream"]);
/** Request headers that must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

export type AcceptKind = "html" | "document" | "feed" | "any";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (like `dns.lookup(host, { all: true })`). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface FetchOptions {
  /** Lift the private-address check (tests, intranets; FETCH_ALLOW_PRIVATE). @default false */
  allowPrivate?: boolean;
  /** Whole request including redirects. @default 15000 */
  timeoutMs?: number;
  /** Body cap in bytes after decompression. @default 5242880 (5 MB) */
  maxBytes?: number;
  /** @default 5 */
  maxRedirects?: number;
  /** Cancels the request; its reason is rethrown. */
  signal?: AbortSignal;
  /** Extra request headers, e.g. If-None-Match / If-Modified-Since for conditional requests. */
  headers?: Record<string, string>;
  /** Which content types are welcome: web pages; web pages and PDFs ("document"); feeds (XML/JSON, plus HTML for autodiscovery); anything. @default "html" */
  accept?: AcceptKind;
  /** Body cap for a PDF under accept "document". @default 20971520 (20 MB) */
  maxPdfBytes?: number;
  /** DNS resolver. @default node:dns `lookup` with `all: true` */
  resolve?: Resolver;
  /** Which resolved addresses may be connected to (an intranet allow-list, tests).
   * @default isPublicAddress; every address when `allowPrivate` */
  allowAddress?: (address: string) => boolean;
}

export interface FetchedPage {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  /** Response headers, lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The Content-Type header as sent (`text/html; charset=gbk`), "" when absent. */
  contentType: string;
  /** The body after decompression; empty for 304. */
  body: Buffer;
  /** The body decoded by its charset (see charset.ts); "" for 304. */
  text: string;
  /** True for a 304 answer to a conditional request. */
  notModified: boolean;
}

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

/**
 * Fetches a web page (or a feed) the careful way: HTTP(S) only, public addresses only unless
 * `allowPrivate`, capped in time, size and redirects, decompressed and decoded.
 * Throws FetchError (BAD_URL, FETCH_REFUSED, FETCH_UNREACHABLE, FETCH_TIMEOUT, FETCH_HTTP_STATUS,
 * FETCH_TOO_LARGE, FETCH_TOO_MANY_REDIRECTS, FETCH_NOT_HTML); a caller's abort rethrows its reason.
 */
export async function fetchPage(url: string, options: FetchOptions = {}): Promise<FetchedPage> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const accept = options.accept ?? "html";
  const resolver = options.resolve ?? systemResolver;

  let current = parseFetchUrl(url);
  const origin = current.origin;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCallerAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  if (options.signal?.aborted) controller.abort();

  try {
    for (let redirects = 0; ; redirects += 1) {
      const addresses = await abortable(resolveHost(current, resolver), controller.signal);
      if (!options.allowPrivate) refuseForbidden(current, addresses, options.allowAddress ?? isPublicAddress);
      const headers = requestHeaders(accept, options.headers, current.origin === origin);
      const response = await request(current, addresses, headers, controller.signal);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;

      if (REDIRECT_STATUSES.has(status) && location) {
        response.destroy();
        if (redirects >= maxRedirects) {
          throw new FetchError(
            ErrorCode.TooManyRedirects,
            `Too many redirects (more than ${maxRedirects}) fetching ${url}`,
            { details: { url, maxRedirects } },
          );
        }
        const next = resolveLocation(location, current);
        current = parseFetchUrl(next, `${current.href} redirected to "${next}"`);
        continue;
      }

      return await finalResponse(response, current, accept, maxBytes, options);
    }
  } catch (error) {
    if (timedOut) {
      throw new FetchError(ErrorCode.Timeout, `Timed out after ${formatSeconds(timeoutMs)} fetching ${current.href}`, {
        cause: error,
        details: { url: current.href, timeoutMs },
      });
    }
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (error instanceof FetchError) throw error;
    throw unreachable(current, error);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}

/** The page at the end of the redirects: 304, an HTTP error, or its body read within the caps and checked. */
async function finalResponse(
  response: IncomingMessage,
  current: URL,
  accept: AcceptKind,
  maxBytes: number,
  options: FetchOptions,
): Promise<FetchedPage> {
  const status = response.statusCode ?? 0;
  const responseHeaders = flattenHeaders(response.headers);
  const contentType = responseHeaders["content-type"] ?? "";
  const page = { url: current.href, status, headers: responseHeaders, contentType };
  if (status === 304) {
    response.destroy();
    return { ...page, body: Buffer.alloc(0), text: "", notModified: true };
  }
  if (status >= 300) {
    response.destroy();
    throw new FetchError(ErrorCode.HttpStatus, `${current.href} answered HTTP ${status}`, {
      details: { status, url: current.href },
    });
  }
  checkContentType(contentType, accept, current.href, response);
  const pdfCandidate = accept === "document" && (PDF_TYPES.has(mimeType(contentType)) || !contentType);
  const cap = pdfCandidate ? Math.max(maxBytes, options.maxPdfBytes ?? DEFAULT_MAX_PDF_BYTES) : maxBytes;
  const body = await readBody(response, cap, current.href);
  const isPdf = pdfCandidate && isPdfBytes(body);
  if (mimeType(contentType) === "application/octet-stream" && accept === "document" && !isPdf) {
    throw notWanted(current.href, describeBinary(body) ?? "a binary file", accept, "application/octet-stream");
  }
  if (accept !== "any" && !contentType && !isPdf) {
    const binary = describeBinary(body);
    if (binary) throw notWanted(current.href, binary, accept, "");
  }
  // A PDF's bytes are not text: decoding them would only cost time.
  if (isPdf || PDF_TYPES.has(mimeType(contentType))) return { ...page, body, text: "", notModified: false };
  return { ...page, body, text: decodeText(body, contentType), notModified: false };
}

/** Parses a URL to fetch; only absolute http(s) URLs. Numeric hosts come out normalised (`0x7f.1` → `127.0.0.1`). */
export function parseFetchUrl(raw: string, context = `Cannot fetch "${raw}"`): URL {
  const bad = (problem: string, cause?: unknown) =>
    new FetchError(ErrorCode.BadUrl, `${context}: ${problem}`, { cause, details: { url: raw } });
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch (cause) {
    throw bad("not a valid URL", cause);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw bad(`only http and https links can be fetched, not ${url.protocol}`);
  }
  if (!url.hostname) throw bad("the link has no host");
  return url;
}

/**
 * Names the range an IP address belongs to: "unicast" for a public address, else e.g. "loopback",
 * "private", "linkLocal", "carrierGradeNat", "ipv4Mapped", "6to4 to private", "invalid".
 */
export function classifyAddress(address: string): string {
  if (!ipaddr.isValid(address)) return "invalid";
  const ip = ipaddr.parse(address);
  if (ip.kind() === "ipv4") return ip.range();
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  const embedded = embeddedIPv4(v6, range);
  if (embedded === undefined) return range;
  const inner = embedded.map((part) => part.range()).find((innerRange) => innerRange !== "unicast");
  // A tunnel prefix is public only while every IPv4 address inside it is.
  return inner === undefined ? "unicast" : `${range} to ${inner}`;
}

/** True when `address` is a public unicast address we may connect to. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === "unicast";
}

function ipv4FromWords(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 addresses a transition prefix carries (6to4, Teredo, NAT64), if `range` is one. */
function embeddedIPv4(ip: ipaddr.IPv6, range: string): ipaddr.IPv4[] | undefined {
  const [, p1 = 0, p2 = 0, p3 = 0, , , p6 = 0, p7 = 0] = ip.parts;
  if (range === "6to4") return [ipv4FromWords(p1, p2)];
  // Teredo: server address in clear, client address bit-inverted in the last 32 bits.
  if (range === "teredo") return [ipv4FromWords(p2, p3), ipv4FromWords(~p6 & 0xffff, ~p7 & 0xffff)];
  // Only the well-known NAT64 prefix 64:ff9b::/96; the local-use 64:ff9b:1::/48 stays refused.
  if (range === "rfc6052" && p1 === 0xff9b && ip.parts[2] === 0) return [ipv4FromWords(p6, p7)];
  return undefined;
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

async function resolveHost(url: URL, resolver: Resolver): Promise<ResolvedAddress[]> {
  const host = bareHost(url);
  const family = isIP(host);
  if (family !== 0) return [{ address: host, family: family === 6 ? 6 : 4 }];
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolver(host);
  } catch (cause) {
    throw new FetchError(ErrorCode.Unreachable, `Could not resolve ${host} (${errorCode(cause)})`, {
      cause,
      details: { url: url.href, host },
    });
  }
  if (addresses.length === 0) {
    throw new FetchError(ErrorCode.Unreachable, `Could not resolve ${host}: no addresses`, {
      details: { url: url.href, host },
    });
  }
  return addresses;
}

/** Refuses the hop if ANY address is forbidden: a name pointing at both could be switched between them. */
function refuseForbidden(
  url: URL,
  addresses: readonly ResolvedAddress[],
  allowAddress: (address: string) => boolean,
): void {
  for (const { address } of addresses) {
    if (allowAddress(address)) continue;
    const range = classifyAddress(address);
    const host = bareHost(url);
    const where = host === address ? address : `${host} (${address})`;
    const why = range === "unicast" ? "is not an allowed address" : `is a ${range} address, not public`;
    throw new FetchError(ErrorCode.Refused, `Refused to fetch ${url.href}: ${where} ${why}`, {
      details: { url: url.href, address, range },
    });
  }
}

function requestHeaders(
  accept: AcceptKind,
  extra: Record<string, string> | undefined,
  sameOrigin: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {
    "user-agent": USER_AGENT,
    accept: ACCEPT_HEADER[accept],
    "accept-language": ACCEPT_LANGUAGE,
    "accept-encoding": "gzip, deflate, br",
  };
  for (const [name, value] of Object.entries(extra ?? {})) {
    const key = name.toLowerCase();
    if (!sameOrigin && CREDENTIAL_HEADERS.has(key)) continue;
    headers[key] = value;
  }
  return headers;
}

/** Sends a GET whose connection can only go to the addresses we checked. */
function request(
  url: URL,
  addresses: readonly ResolvedAddress[],
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const pinnedLookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    const wanted = addresses.filter(({ family }) => !lookupOptions.family || lookupOptions.family === family);
    const usable = wanted.length > 0 ? wanted : addresses;
    if (lookupOptions.all) {
      callback(null, [...usable]);
      return;
    }
    const first = usable[0] as ResolvedAddress;
    callback(null, first.address, first.family);
  };
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      {
        protocol: url.protocol,
        hostname: bareHost(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers,
        // A fresh connection per hop: a pooled socket could belong to an earlier, differently checked address.
        agent: false,
        lookup: pinnedLookup,
        signal,
      },
      resolve,
    );
    outgoing.on("error", reject);
    outgoing.end();
  });
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch (cause) {
    throw new FetchError(ErrorCode.BadUrl, `${base.href} redirected to an invalid URL "${location}"`, {
      cause,
      details: { url: base.href, location },
    });
  }
}

function flattenHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function mimeType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

function describeMime(mime: string): string {
  if (mime === "application/pdf") return "a PDF document";
  if (mime.startsWith("image/")) return "an image";
  if (mime.startsWith("video/")) return "a video";
  if (mime.startsWith("audio/")) return "an audio file";
  if (/zip|compressed|tar|rar|7z/.test(mime)) return "an archive";
  if (/msword|officedocument|ms-excel|ms-powerpoint|opendocument/.test(mime)) return "an office document";
  if (mime === "application/octet-stream") return "a binary file";
  if (/xml|json/.test(mime)) return "data, not a web page";
  return "not a web page";
}

function notWanted(url: string, what: string, accept: AcceptKind, mime: string): FetchError {
  const expected =
    accept === "feed" ? "a feed or a web page" : accept === "document" ? "a web page or a PDF" : "a web page";
  const received = mime ? `${what} (${mime})` : what;
  return new FetchError(ErrorCode.NotHtml, `Expected ${expected} at ${url} but received ${received}`, {
    details: { url, contentType: mime || "unknown", received: what },
  });
}

function checkContentType(contentType: string, accept: AcceptKind, url: string, response: IncomingMessage): void {
  const mime = mimeType(contentType);
  if (accept === "any" || mime === "") return;
  const welcome =
    accept === "feed"
      ? FEED_TYPES.has(mime) || /\+(xml|json)$/.test(mime)
      : HTML_TYPES.has(mime) || (accept === "document" && PDF_TYPES.has(mime));
  if (welcome) return;
  response.destroy();
  throw notWanted(url, describeMime(mime), accept, mime);
}

function decoderFor(encoding: string, url: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress {
  // Sync flush tolerates a truncated last block, as browsers do.
  if (encoding === "gzip" || encoding === "x-gzip")
    return zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
  if (encoding === "deflate") return zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
  if (encoding === "br") {
    return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  }
  throw new FetchError(ErrorCode.Unreachable, `${url} sent an unsupported content encoding "${encoding}"`, {
    details: { url, encoding },
  });
}

/** Reads the body through its decoders, stopping as soon as the decoded size passes `maxBytes`. */
async function readBody(response: IncomingMessage, maxBytes: number, url: string): Promise<Buffer> {
  const tooLarge = () =>
    new FetchError(ErrorCode.TooLarge, `${url} is larger than the ${formatBytes(maxBytes)} limit`, {
      details: { url, maxBytes },
    });
  const encodings = (response.headers["content-encoding"] ?? "")
    .toLowerCase()
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "" && part !== "identity");
  const declaredLength = Number(response.headers["content-length"]);
  try {
    if (encodings.length === 0 && declaredLength > maxBytes) throw tooLarge();
    // Encodings are listed in the order applied, so undo them last-first.
    let stream: Readable = response;
    for (const encoding of encodings.reverse()) {
      const decoder = decoderFor(encoding, url);
      stream.on("error", (error) => decoder.destroy(error));
      stream = stream.pipe(decoder);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > maxBytes) throw tooLarge();
      chunks.push(buffer);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof FetchError) throw error;
    if (isZlibError(error)) {
      throw new FetchError(ErrorCode.Unreachable, `${url} sent a broken compressed body`, {
        cause: error,
        details: { url },
      });
    }
    throw error;
  } finally {
    response.destroy();
  }
}

function isZlibError(error: unknown): boolean {
  const code = errorCode(error);
  return code.startsWith("Z_") || code.startsWith("ERR_BROTLI") || code.startsWith("ERR__ERROR_FORMAT");
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") return error.code;
  return error instanceof Error ? error.message : String(error);
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "no such host",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
};

function unreachable(url: URL, cause: unknown): FetchError {
  const code = errorCode(cause);
  const message = cause instanceof Error ? cause.message : String(cause);
  const reason =
    NETWORK_REASONS[code] ??
    (/CERT|SELF_SIGNED|TLS|SSL/i.test(code) ? `TLS certificate problem (${message})` : message || code);
  return new FetchError(ErrorCode.Unreachable, `Could not reach ${url.host}: ${reason}`, {
    cause,
    details: { url: url.href, reason: code },
  });
}

/** Rejects as soon as `signal` aborts, for steps (DNS) that cannot be cancelled themselves. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("aborted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}
