import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve as resolvePath } from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FetchError } from "../../src/errors.js";
import {
  classifyAddress,
  type FetchOptions,
  fetchPage,
  isPublicAddress,
  parseFetchUrl,
} from "../../src/pipeline/fetch.js";
import { startLoopbackServer } from "../fakes/http.js";
import { type FakeSite, startSite } from "../fakes/site.js";

const PAGE = "<html><head><title>Hello</title></head><body><p>Hello, world.</p></body></html>";
const GBK_PAGE =
  '<html><head><meta charset="gb2312"><title>新闻</title></head><body><p>今天天气很好。</p></body></html>';

let site: FakeSite;
const open: FetchOptions = { allowPrivate: true, timeoutMs: 5000 };

beforeAll(async () => {
  site = await startSite({
    "/": { body: PAGE },
    "/gbk": { body: iconv.encode(GBK_PAGE, "gbk"), type: "text/html" },
    "/gbk-header": { body: iconv.encode("<p>今天天气很好。</p>", "gbk"), type: "text/html; charset=GBK" },
    "/hop1": { redirect: "/hop2" },
    "/hop2": { redirect: "/hop3", status: 301 },
    "/hop3": { redirect: "/" },
    "/loop": { redirect: "/loop" },
    "/pdf": { body: Buffer.from("%PDF-1.7\n%âãÏÓ\n1 0 obj"), type: "application/pdf" },
    "/png": { body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), type: "image/png" },
    "/octet": { body: Buffer.from([0, 1, 2, 3]), type: "application/octet-stream" },
    "/untyped-pdf": { body: Buffer.from("%PDF-1.4\n..."), type: "" },
    "/untyped-html": { body: PAGE, type: "" },
    "/big.pdf": {
      body: Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(100 * 1024, "0")]),
      type: "application/pdf",
    },
    "/octet-pdf": { body: Buffer.from("%PDF-1.4\n..."), type: "application/octet-stream" },
    "/feed.xml": {
      body: '<?xml version="1.0"?><rss><channel><title>Feed</title></channel></rss>',
      type: "application/rss+xml",
    },
    "/missing": { status: 404, body: "<h1>Not here</h1>" },
    "/broken": { status: 503, body: "busy" },
    "/hang": { hang: true },
    "/stall": { body: "<html><body><p>First part", stall: true },
    "/slow": { body: PAGE, delayMs: 300 },
    "/gzip": { body: PAGE, encoding: "gzip" },
    "/br": { body: PAGE, encoding: "br" },
    "/deflate": { body: PAGE, encoding: "deflate" },
    "/big": { body: Buffer.alloc(200 * 1024, "a"), chunked: true },
    "/big-declared": { body: Buffer.alloc(200 * 1024, "a") },
    // 64 MB of spaces, about 64 KB on the wire.
    "/bomb": { body: Buffer.alloc(64 * 1024 * 1024, " "), encoding: "gzip", chunked: true },
    "/cached": { body: PAGE, etag: '"v1"', lastModified: "Sat, 28 Nov 2026 08:00:00 GMT" },
    "/echo": (request) => ({ body: JSON.stringify(request.headers), type: "text/plain" }),
  });
});

afterAll(async () => {
  await site.close();
});

async function fetchError(url: string, options: FetchOptions = open): Promise<FetchError> {
  const error = await fetchPage(url, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

describe("fetchPage", () => {
  it("fetches a page and decodes it", async () => {
    const page = await fetchPage(`${site.url}/`, open);
    expect(page).toMatchObject({ url: `${site.url}/`, status: 200, notModified: false, text: PAGE });
    expect(page.contentType).toBe("text/html; charset=utf-8");
    expect(page.body.toString()).toBe(PAGE);
  });

  it("sends a browser-like User-Agent, Chinese-first Accept-Language and extra headers", async () => {
    const page = await fetchPage(`${site.url}/echo`, { ...open, headers: { "X-Test": "yes" } });
    const headers = JSON.parse(page.text) as Record<string, string>;
    expect(headers["user-agent"]).toMatch(/^Mozilla\/5\.0 .*Chrome\//);
    expect(headers["accept-language"]).toBe("zh-CN,zh;q=0.9,en;q=0.8");
    expect(headers.accept).toContain("text/html");
    expect(headers["x-test"]).toBe("yes");
  });

  it("decodes a GBK page by its <meta charset> and by the header charset", async () => {
    expect((await fetchPage(`${site.url}/gbk`, open)).text).toContain("今天天气很好。");
    expect((await fetchPage(`${site.url}/gbk-header`, open)).text).toBe("<p>今天天气很好。</p>");
  });

  it.each(["gzip", "br", "deflate"])("decompresses a %s body", async (encoding) => {
    const page = await fetchPage(`${site.url}/${encoding}`, open);
    expect(page.text).toBe(PAGE);
  });

  it("follows redirects and keeps the final URL", async () => {
    const page = await fetchPage(`${site.url}/hop1`, open);
    expect(page.url).toBe(`${site.url}/`);
    expect(page.text).toBe(PAGE);
  });

  it("keeps credentials on same-origin redirects and drops them on a redirect to another origin", async () => {
    const port = new URL(site.url).port;
    site.route("/to-same", { redirect: "/echo" });
    site.route("/to-other", { redirect: `http://other.example:${port}/echo` });
    const options: FetchOptions = {
      ...open,
      headers: { Authorization: "Bearer secret", Cookie: "session=1", "X-Test": "yes" },
      resolve: async () => [{ address: "127.0.0.1", family: 4 }],
    };
    const same = JSON.parse((await fetchPage(`${site.url}/to-same`, options)).text) as Record<string, string>;
    expect(same).toMatchObject({ authorization: "Bearer secret", cookie: "session=1", "x-test": "yes" });
    const other = JSON.parse((await fetchPage(`${site.url}/to-other`, options)).text) as Record<string, string>;
    expect(other.authorization).toBeUndefined();
    expect(other.cookie).toBeUndefined();
    expect(other["x-test"]).toBe("yes");
  });

  it("stops after maxRedirects", async () => {
    const error = await fetchError(`${site.url}/loop`, { ...open, maxRedirects: 3 });
    expect(error.code).toBe("FETCH_TOO_MANY_REDIRECTS");
    expect(site.hits("/loop")).toBeGreaterThanOrEqual(4);
    expect((await fetchError(`${site.url}/hop1`, { ...open, maxRedirects: 2 })).code).toBe("FETCH_TOO_MANY_REDIRECTS");
    expect((await fetchPage(`${site.url}/hop1`, { ...open, maxRedirects: 3 })).url).toBe(`${site.url}/`);
  });

  it("checks every redirect hop: a redirect to a private address is refused", async () => {
    // The policy lets the first hop reach the loopback site and applies the public-only check otherwise.
    const allowAddress = (address: string) => address === "127.0.0.1" || isPublicAddress(address);
    const resolve = async () => [{ address: "192.168.1.10", family: 4 as const }];
    const port = new URL(site.url).port;
    site.route("/to-private", { redirect: "http://10.0.0.1/admin" });
    site.route("/to-private-name", { redirect: `http://intranet.example:${port}/` });
    site.route("/to-mapped", { redirect: `http://[::ffff:7f00:1]:${port}/` });
    site.route("/to-loopback", { redirect: `http://127.0.0.2:${port}/` });
    const before = site.requests.length;
    for (const path of ["/to-private", "/to-private-name", "/to-mapped", "/to-loopback"]) {
      const error = await fetchError(`${site.url}${path}`, { timeoutMs: 5000, allowAddress, resolve });
      expect(error.code, path).toBe("FETCH_REFUSED");
      expect(site.hits(path)).toBe(1);
    }
    // Only the four first hops reached the site.
    expect(site.requests.length - before).toBe(4);
  });

  it("refuses loopback, private and numeric-trick hosts before connecting", async () => {
    const before = site.requests.length;
    const port = new URL(site.url).port;
    for (const url of [
      `${site.url}/`,
      `http://2130706433:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://0177.0.0.1:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::1]:${port}/`,
      "http://10.0.0.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://100.64.0.1/",
      "http://0.0.0.0/",
    ]) {
      const error = await fetchError(url, { timeoutMs: 5000 });
      expect(error.code, url).toBe("FETCH_REFUSED");
    }
    expect(site.requests.length).toBe(before);
  });

  it("refuses a host name that resolves to loopback, even if only one of its addresses does", async () => {
    const port = new URL(site.url).port;
    const mixed = async () => [
      { address: "93.184.216.34", family: 4 as const },
      { address: "127.0.0.1", family: 4 as const },
    ];
    const error = await fetchError(`http://news.example:${port}/`, { timeoutMs: 5000, resolve: mixed });
    expect(error.code).toBe("FETCH_REFUSED");
    expect(error.message).toContain("127.0.0.1");
    expect((await fetchError(`http://localhost:${port}/`, { timeoutMs: 5000 })).code).toBe("FETCH_REFUSED");
  });

  it("connects to the address it checked, not to a second DNS answer", async () => {
    // The resolver is asked once per hop; the socket uses that answer (here: the loopback site).
    let calls = 0;
    const port = new URL(site.url).port;
    const resolve = async () => {
      calls += 1;
      return [{ address: "127.0.0.1", family: 4 as const }];
    };
    const page = await fetchPage(`http://pinned.example:${port}/`, { ...open, resolve });
    expect(page.text).toBe(PAGE);
    expect(page.url).toBe(`http://pinned.example:${port}/`);
    expect(calls).toBe(1);
    expect(site.requests.at(-1)?.headers.host).toBe(`pinned.example:${port}`);
  });

  it("rejects non-http schemes and malformed URLs", async () => {
    expect((await fetchError("ftp://example.com/file")).code).toBe("BAD_URL");
    expect((await fetchError("file:///etc/passwd")).code).toBe("BAD_URL");
    expect((await fetchError("not a url")).code).toBe("BAD_URL");
    site.route("/to-file", { redirect: "file:///etc/passwd" });
    const redirected = await fetchError(`${site.url}/to-file`);
    expect(redirected.code).toBe("BAD_URL");
    expect(redirected.message).toContain('redirected to "file:///etc/passwd"');
  });

  it("times out a server that never answers", async () => {
    const started = Date.now();
    const error = await fetchError(`${site.url}/hang`, { ...open, timeoutMs: 200 });
    expect(error.code).toBe("FETCH_TIMEOUT");
    expect(error.message).toContain("0.2 s");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("times out a body that never finishes", async () => {
    const error = await fetchError(`${site.url}/stall`, { ...open, timeoutMs: 200 });
    expect(error.code).toBe("FETCH_TIMEOUT");
  });

  it("counts redirects and slow hops inside one overall timeout", async () => {
    site.route("/slow-hop", { redirect: "/slow", delayMs: 300 });
    const error = await fetchError(`${site.url}/slow-hop`, { ...open, timeoutMs: 450 });
    expect(error.code).toBe("FETCH_TIMEOUT");
  });

  it("honours the caller's abort signal with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("person cancelled");
    const hitsBefore = site.hits("/hang");
    const pending = fetchPage(`${site.url}/hang`, { ...open, signal: controller.signal });
    // Abort once the request is in flight (the server has it), not after a guessed delay.
    await vi.waitFor(() => expect(site.hits("/hang")).toBe(hitsBefore + 1));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it("rejects at once when the caller's signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await expect(fetchPage(`${site.url}/`, { ...open, signal: controller.signal })).rejects.toThrow("too late");
  });

  it("refuses a body whose declared length is over the cap before reading it", async () => {
    // Headers promise 10 MB, then nothing comes: only the declared length can answer before the timeout.
    const stalled = await startLoopbackServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html", "content-length": String(10 * 1024 * 1024) });
      response.write("<html>");
    });
    try {
      const error = await fetchError(`${stalled.url}/`, { ...open, maxBytes: 1024 * 1024, timeoutMs: 3000 });
      expect(error.code).toBe("FETCH_TOO_LARGE");
    } finally {
      await stalled.close();
    }
  });

  it("caps the body while streaming", async () => {
    const error = await fetchError(`${site.url}/big`, { ...open, maxBytes: 64 * 1024 });
    expect(error.code).toBe("FETCH_TOO_LARGE");
    expect(error.message).toContain("64 KB");
    expect((await fetchError(`${site.url}/big-declared`, { ...open, maxBytes: 64 * 1024 })).code).toBe(
      "FETCH_TOO_LARGE",
    );
    expect((await fetchPage(`${site.url}/big`, { ...open, maxBytes: 256 * 1024 })).body.length).toBe(200 * 1024);
  });

  it("stops a gzip bomb at the cap, counting decompressed bytes", async () => {
    const before = process.memoryUsage().rss;
    const error = await fetchError(`${site.url}/bomb`, { ...open, maxBytes: 1024 * 1024 });
    expect(error.code).toBe("FETCH_TOO_LARGE");
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it("names the content type of a PDF, an image or a binary instead of a page", async () => {
    const pdf = await fetchError(`${site.url}/pdf`);
    expect(pdf.code).toBe("FETCH_NOT_HTML");
    expect(pdf.message).toContain("a PDF document (application/pdf)");
    expect(pdf.details.contentType).toBe("application/pdf");
    expect((await fetchError(`${site.url}/png`)).message).toContain("an image (image/png)");
    expect((await fetchError(`${site.url}/octet`)).message).toContain("application/octet-stream");
    expect((await fetchError(`${site.url}/untyped-pdf`)).message).toContain("a PDF document");
    expect((await fetchPage(`${site.url}/untyped-html`, open)).text).toBe(PAGE);
  });

  it('lets PDFs through with accept "document", under their own size cap, and still refuses images', async () => {
    const document: FetchOptions = { ...open, accept: "document", maxBytes: 64 * 1024 };
    const pdf = await fetchPage(`${site.url}/big.pdf`, document);
    expect(pdf.body.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.body.length).toBeGreaterThan(64 * 1024);
    expect((await fetchError(`${site.url}/big.pdf`, { ...document, maxPdfBytes: 80 * 1024 })).code).toBe(
      "FETCH_TOO_LARGE",
    );
    expect((await fetchPage(`${site.url}/untyped-pdf`, document)).body.subarray(0, 5).toString()).toBe("%PDF-");
    expect((await fetchPage(`${site.url}/octet-pdf`, document)).body.subarray(0, 5).toString()).toBe("%PDF-");
    expect((await fetchError(`${site.url}/octet`, document)).code).toBe("FETCH_NOT_HTML");
    expect((await fetchError(`${site.url}/png`, document)).message).toContain("a web page or a PDF");
    expect((await fetchPage(`${site.url}/`, document)).text).toBe(PAGE);
  });

  it("accepts feeds only when asked, and anything with accept any", async () => {
    expect((await fetchError(`${site.url}/feed.xml`)).code).toBe("FETCH_NOT_HTML");
    const feed = await fetchPage(`${site.url}/feed.xml`, { ...open, accept: "feed" });
    expect(feed.text).toContain("<rss>");
    expect((await fetchPage(`${site.url}/`, { ...open, accept: "feed" })).text).toBe(PAGE);
    expect((await fetchError(`${site.url}/pdf`, { ...open, accept: "feed" })).code).toBe("FETCH_NOT_HTML");
    expect((await fetchPage(`${site.url}/pdf`, { ...open, accept: "any" })).body.subarray(0, 5).toString()).toBe(
      "%PDF-",
    );
  });

  it("turns HTTP errors into FETCH_HTTP_STATUS with the status", async () => {
    const missing = await fetchError(`${site.url}/missing`);
    expect(missing.code).toBe("FETCH_HTTP_STATUS");
    expect(missing.details.status).toBe(404);
    expect(missing.message).toContain("404");
    expect((await fetchError(`${site.url}/broken`)).details.status).toBe(503);
  });

  it("reports an unreachable port", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const error = await fetchError(`http://127.0.0.1:${port}/`);
    expect(error.code).toBe("FETCH_UNREACHABLE");
    expect(error.message).toContain("connection refused");
  });

  it("reports a host that does not resolve", async () => {
    const resolve = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const error = await fetchError("http://no-such-host.invalid/", { ...open, resolve });
    expect(error.code).toBe("FETCH_UNREACHABLE");
    expect(error.message).toContain("no-such-host.invalid");
  });

  it("returns notModified for a 304 to a conditional request", async () => {
    const byEtag = await fetchPage(`${site.url}/cached`, { ...open, headers: { "If-None-Match": '"v1"' } });
    expect(byEtag).toMatchObject({ status: 304, notModified: true, text: "" });
    expect(byEtag.body.length).toBe(0);
    const byDate = await fetchPage(`${site.url}/cached`, {
      ...open,
      headers: { "If-Modified-Since": "Sat, 28 Nov 2026 08:00:00 GMT" },
    });
    expect(byDate.notModified).toBe(true);
    const fresh = await fetchPage(`${site.url}/cached`, { ...open, headers: { "If-None-Match": '"v0"' } });
    expect(fresh).toMatchObject({ status: 200, notModified: false, text: PAGE });
    expect(fresh.headers.etag).toBe('"v1"');
  });
});

describe("fetchPage over HTTPS", () => {
  const tlsDir = resolvePath(import.meta.dirname, "../fixtures/tls");

  it("refuses an untrusted certificate as unreachable, checking it against the host name", async () => {
    const tls = {
      key: await readFile(join(tlsDir, "self-signed.key")),
      cert: await readFile(join(tlsDir, "self-signed.crt")),
    };
    const secure = await startSite({ "/": { body: PAGE } }, { tls });
    try {
      const port = new URL(secure.url).port;
      const direct = await fetchError(`${secure.url}/`);
      expect(direct.code).toBe("FETCH_UNREACHABLE");
      expect(direct.message).toMatch(/certificate/i);
      const resolve = async () => [{ address: "127.0.0.1", family: 4 as const }];
      const named = await fetchError(`https://secure.example:${port}/`, { ...open, resolve });
      expect(named.code).toBe("FETCH_UNREACHABLE");
      expect((await fetchError(`${secure.url}/`, { timeoutMs: 5000 })).code).toBe("FETCH_REFUSED");
      expect(secure.requests).toHaveLength(0);
    } finally {
      await secure.close();
    }
  });
});

describe("address checks", () => {
  it("normalises numeric tricks in URLs to the address they mean", () => {
    expect(parseFetchUrl("http://2130706433/").hostname).toBe("127.0.0.1");
    expect(parseFetchUrl("http://0x7f.1/").hostname).toBe("127.0.0.1");
    expect(parseFetchUrl("http://0177.0.0.1/").hostname).toBe("127.0.0.1");
    expect(parseFetchUrl("http://[::ffff:127.0.0.1]/").hostname).toBe("[::ffff:7f00:1]");
  });

  it.each([
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fc00::1", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "ipv4Mapped"],
    ["::ffff:8.8.8.8", "ipv4Mapped"],
    ["2002:7f00:1::", "6to4 to loopback"],
    ["2002:c0a8:101::1", "6to4 to private"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "teredo to loopback"],
    ["64:ff9b::a00:1", "rfc6052 to private"],
    ["not-an-ip", "invalid"],
  ])("classifies %s as %s", (address, range) => {
    expect(classifyAddress(address)).toBe(range);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2002:0808:0808::1", "64:ff9b::808:808"])(
    "accepts public %s",
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});
