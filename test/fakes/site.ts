import type { ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { type LoopbackServer, type RecordedRequest, startLoopbackServer } from "./http.js";

/**
 * A fake website on 127.0.0.1: a map of paths to canned answers (pages, feeds, redirects,
 * errors, slow or hanging responses, compressed bodies, conditional requests).
 *
 *   const site = await startSite({
 *     "/": { body: "<html>…</html>" },                          // 200 text/html; charset=utf-8
 *     "/gbk": { body: iconv.encode(html, "gbk"), type: "text/html; charset=gbk" },
 *     "/old": { redirect: "/" },                                // 302 Location: /
 *     "/feed.xml": { body: rss, type: "application/rss+xml", etag: '"v1"' },  // 304 on If-None-Match "v1"
 *     "/big.gz": { body: zeros, encoding: "gzip" },             // gzipped on the wire
 *     "/hang": { hang: true },                                  // headers never come
 *     "/stall": { body: "<p>first", stall: true },              // body never ends
 *     "/dynamic": (request) => ({ body: request.headers["user-agent"] ?? "" }),
 *   });
 *   fetchPage(`${site.url}/old`, { allowPrivate: true });
 *   site.hits("/"); site.requests; site.route("/new", {...}); await site.close();
 *
 * Paths match on the full path with query first, then on the path alone; anything else is a 404.
 * Redirect targets starting with "/" are relative to the site; absolute URLs are sent as given.
 */
export interface SiteRoute {
  /** @default 200 (302 with `redirect`) */
  status?: number;
  /** Content-Type header; "" sends none. @default "text/html; charset=utf-8" */
  type?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** The body before any content encoding. @default "" */
  body?: string | Buffer;
  /** Compress the body on the wire and say so in Content-Encoding. */
  encoding?: "gzip" | "deflate" | "br";
  /** Send the body in 16 KB pieces without Content-Length (as streamed pages arrive). */
  chunked?: boolean;
  /** Redirect here (Location header). */
  redirect?: string;
  /** Answer 304 to a request whose If-None-Match carries this ETag; also sent as ETag. */
  etag?: string;
  /** Answer 304 to a request whose If-Modified-Since equals this; also sent as Last-Modified. */
  lastModified?: string;
  /** Wait this long before answering (a slow server; real time, keep it short). */
  delayMs?: number;
  /** Never answer (for timeouts); the socket is closed with the site. */
  hang?: boolean;
  /** Send the headers and the body so far, then never finish (a timeout while reading the body). */
  stall?: boolean;
}

export type SiteRoutes = Record<string, SiteRoute | ((request: RecordedRequest) => SiteRoute)>;

export interface FakeSite extends LoopbackServer {
  /** Adds or replaces a route while the site runs. */
  route(path: string, route: SiteRoutes[string]): void;
  /** How many requests reached `path` (full path with query, or path alone). */
  hits(path: string): number;
}

function encode(body: Buffer, encoding: SiteRoute["encoding"]): Buffer {
  if (encoding === "gzip") return zlib.gzipSync(body);
  if (encoding === "deflate") return zlib.deflateSync(body);
  if (encoding === "br") return zlib.brotliCompressSync(body);
  return body;
}

function pathOnly(path: string): string {
  return path.split("?")[0] ?? path;
}

async function answer(route: SiteRoute, request: RecordedRequest, response: ServerResponse, base: string) {
  if (route.hang) return;
  if (route.delayMs) await new Promise((resolve) => setTimeout(resolve, route.delayMs));
  const headers: Record<string, string> = {};
  const type = route.type ?? "text/html; charset=utf-8";
  if (type) headers["content-type"] = type;
  if (route.etag) headers.etag = route.etag;
  if (route.lastModified) headers["last-modified"] = route.lastModified;
  Object.assign(headers, route.headers);

  const conditionalHit =
    (route.etag !== undefined && request.headers["if-none-match"] === route.etag) ||
    (route.lastModified !== undefined && request.headers["if-modified-since"] === route.lastModified);
  if (conditionalHit) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  if (route.redirect !== undefined) {
    headers.location = route.redirect.startsWith("/") ? `${base}${route.redirect}` : route.redirect;
  }
  const status = route.status ?? (route.redirect !== undefined ? 302 : 200);
  const raw = typeof route.body === "string" ? Buffer.from(route.body, "utf8") : (route.body ?? Buffer.alloc(0));
  const wire = encode(raw, route.encoding);
  if (route.encoding) headers["content-encoding"] = route.encoding;
  if (!route.chunked && !route.stall) headers["content-length"] = String(wire.length);
  response.writeHead(status, headers);
  if (route.stall) {
    response.write(wire);
    return;
  }
  if (!route.chunked) {
    response.end(wire);
    return;
  }
  const piece = 16 * 1024;
  for (let offset = 0; offset < wire.length; offset += piece) {
    // Stop writing once the client hung up (e.g. after a size cap).
    if (response.destroyed || response.socket?.destroyed) return;
    const flushed = response.write(wire.subarray(offset, offset + piece));
    if (!flushed) await new Promise((resolve) => response.once("drain", resolve).once("close", resolve));
  }
  response.end();
}

/** Starts an HTTPS loopback server recording requests like startLoopbackServer (for TLS paths). */
async function startTlsServer(
  tls: { key: string | Buffer; cert: string | Buffer },
  handler: (request: RecordedRequest, response: ServerResponse) => Promise<void>,
): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = [];
  const server = createHttpsServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      void handler(recorded, res);
    });
  });
  // A client refusing our self-signed certificate is expected; it must not crash the test process.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts a fake website serving `routes` on 127.0.0.1:0; over HTTPS when given `tls`
 * (e.g. test/fixtures/tls/self-signed.{key,crt}, made for 127.0.0.1 and secure.example).
 */
export async function startSite(
  routes: SiteRoutes = {},
  options: { tls?: { key: string | Buffer; cert: string | Buffer } } = {},
): Promise<FakeSite> {
  const table: SiteRoutes = { ...routes };
  let base = "";
  const handler = async (request: RecordedRequest, response: ServerResponse) => {
    const found = table[request.path] ?? table[pathOnly(request.path)];
    if (found === undefined) {
      response.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      response.end("<html><body><h1>404 Not Found</h1></body></html>");
      return;
    }
    const route = typeof found === "function" ? found(request) : found;
    await answer(route, request, response, base);
  };
  const server = options.tls ? await startTlsServer(options.tls, handler) : await startLoopbackServer(handler);
  base = server.url;
  return {
    ...server,
    route(path, route) {
      table[path] = route;
    },
    hits(path) {
      return server.requests.filter((request) => request.path === path || pathOnly(request.path) === path).length;
    },
  };
}
