import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JianbaoError } from "../../src/errors.js";
import { pageFromBytes, readInput } from "../../src/pipeline/input.js";
import { type FakeSite, startSite } from "../fakes/site.js";

const HTML = "<!doctype html><html><head><title>标题</title></head><body><p>今天天气很好。</p></body></html>";
const TEXT = "标题\n\n今天天气很好，我们去公园散步。\n\n来源：光明网 2020-03-26";

let dir: string;
let site: FakeSite;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "jianbao-input-"));
  site = await startSite({
    "/page": { body: HTML },
    "/plain": { body: TEXT, type: "text/plain; charset=utf-8" },
    "/moved": { redirect: "/page" },
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await site.close();
});

async function thrown(promise: Promise<unknown>): Promise<JianbaoError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(JianbaoError);
  return error as JianbaoError;
}

function catching(run: () => unknown): JianbaoError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(JianbaoError);
    return error as JianbaoError;
  }
  throw new Error("expected an error");
}

describe("pageFromBytes", () => {
  it("takes .html files as HTML and .txt/.md as text", () => {
    expect(pageFromBytes({ bytes: Buffer.from(HTML), fileName: "a.html" })).toEqual({
      input: "a.html",
      fileName: "a.html",
      html: HTML,
    });
    expect(pageFromBytes({ bytes: Buffer.from(TEXT), fileName: "a.txt" })).toMatchObject({ text: TEXT });
    expect(pageFromBytes({ bytes: Buffer.from("# Title\n\nBody text."), fileName: "notes.md" }).text).toBe(
      "# Title\n\nBody text.",
    );
  });

  it("goes by content type when there is no file name", () => {
    expect(pageFromBytes({ bytes: Buffer.from("<p>x</p>"), contentType: "text/html" }).html).toBe("<p>x</p>");
    expect(pageFromBytes({ bytes: Buffer.from(TEXT), contentType: "text/plain" }).text).toBe(TEXT);
  });

  it("sniffs a saved page sent as .txt or without a name as HTML", () => {
    expect(pageFromBytes({ bytes: Buffer.from(HTML), fileName: "saved.txt" }).html).toBe(HTML);
    expect(pageFromBytes({ bytes: Buffer.from(HTML) }).html).toBe(HTML);
    expect(pageFromBytes({ bytes: Buffer.from(TEXT) }).text).toBe(TEXT);
  });

  it("decodes GBK bytes", () => {
    const page = pageFromBytes({ bytes: iconv.encode(TEXT, "gbk"), fileName: "gbk.txt" });
    expect(page.text).toBe(TEXT);
  });

  it("keeps a PDF as bytes (by content, name or type) for the PDF reader, under its own cap", () => {
    const bytes = Buffer.from("%PDF-1.7\n...");
    expect(pageFromBytes({ bytes, fileName: "paper.pdf" })).toEqual({
      input: "paper.pdf",
      fileName: "paper.pdf",
      pdf: bytes,
    });
    // A PDF saved as .txt is still a PDF; a .pdf over the text cap but under the PDF cap is read.
    expect(pageFromBytes({ bytes, fileName: "paper.txt" }).pdf).toBe(bytes);
    const bigger = Buffer.concat([bytes, Buffer.alloc(4096)]);
    expect(pageFromBytes({ bytes: bigger, fileName: "big.pdf", maxBytes: 1024 }).pdf).toBe(bigger);
    expect(pageFromBytes({ bytes: Buffer.from("not really"), contentType: "application/pdf" }).pdf).toBeDefined();
  });

  it("refuses an image and bytes with NULs, naming what they are", () => {
    const png = catching(() => pageFromBytes({ bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) }));
    expect(png.message).toContain("a PNG image");
    const nul = catching(() => pageFromBytes({ bytes: Buffer.from("abc\u0000def"), fileName: "x.txt" }));
    expect(nul.code).toBe("UNSUPPORTED_FILE");
    const controls = catching(() => pageFromBytes({ bytes: Buffer.from("\u0001\u0002\u0003\u0004abc".repeat(50)) }));
    expect(controls.code).toBe("UNSUPPORTED_FILE");
    const typed = catching(() => pageFromBytes({ bytes: Buffer.from("GIF-like text"), contentType: "image/gif" }));
    expect(typed.message).toContain("image/gif");
  });

  it("keeps UTF-16 text with its NULs", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, "utf16le")]);
    expect(pageFromBytes({ bytes, fileName: "u16.txt" }).text).toBe(TEXT);
  });

  it("refuses content over the cap", () => {
    const error = catching(() => pageFromBytes({ bytes: Buffer.alloc(2048, "a"), maxBytes: 1024 }));
    expect(error.code).toBe("FILE_TOO_LARGE");
  });
});

describe("readInput", () => {
  it("fetches a URL, keeps the final URL and the HTML", async () => {
    const page = await readInput(`${site.url}/moved`, { fetchOptions: { allowPrivate: true } });
    expect(page).toEqual({ input: `${site.url}/moved`, url: `${site.url}/page`, html: HTML });
  });

  it("keeps a text/plain URL as text", async () => {
    const page = await readInput(`${site.url}/plain`, { fetchOptions: { allowPrivate: true } });
    expect(page.text).toBe(TEXT);
    expect(page.html).toBeUndefined();
  });

  it("passes fetch errors through", async () => {
    expect((await thrown(readInput(`${site.url}/page`, { fetchOptions: { allowPrivate: false } }))).code).toBe(
      "FETCH_REFUSED",
    );
    expect((await thrown(readInput("ftp://example.com/a.html"))).code).toBe("BAD_URL");
  });

  it("treats a host name without a scheme as an https link", async () => {
    let asked = "";
    const fetch = async (url: string) => {
      asked = url;
      return {
        url,
        status: 200,
        headers: {},
        contentType: "text/html",
        body: Buffer.from(HTML),
        text: HTML,
        notModified: false,
      };
    };
    const page = await readInput("news.example.com/a/1.html", { fetch });
    expect(asked).toBe("https://news.example.com/a/1.html");
    expect(page).toMatchObject({ input: "news.example.com/a/1.html", html: HTML });
  });

  it("reads .html and .txt files by path", async () => {
    const htmlPath = join(dir, "page.htm");
    const textPath = join(dir, "page.txt");
    await writeFile(htmlPath, iconv.encode(HTML.replace("<head>", '<head><meta charset="gbk">'), "gbk"));
    await writeFile(textPath, TEXT);
    const html = await readInput(htmlPath);
    expect(html).toMatchObject({ input: htmlPath, fileName: "page.htm" });
    expect(html.html).toContain("今天天气很好。");
    expect(await readInput(textPath)).toMatchObject({ input: textPath, text: TEXT });
  });

  it("refuses missing files, other extensions, directories and big files", async () => {
    expect((await thrown(readInput(join(dir, "missing.html")))).code).toBe("FILE_NOT_FOUND");
    // A bare file name is not mistaken for a host name.
    expect((await thrown(readInput("missing-page.html"))).code).toBe("FILE_NOT_FOUND");
    expect((await thrown(readInput("notes.md"))).code).toBe("FILE_NOT_FOUND");
    const docPath = join(dir, "paper.docx");
    await writeFile(docPath, "PK");
    const doc = await thrown(readInput(docPath));
    expect(doc.code).toBe("UNSUPPORTED_FILE");
    expect(doc.message).toContain(".pdf");
    expect((await thrown(readInput(dir))).code).toBe("UNSUPPORTED_FILE");
    const bigPath = join(dir, "big.txt");
    await writeFile(bigPath, Buffer.alloc(4096, "a"));
    expect((await thrown(readInput(bigPath, { maxBytes: 1024 }))).code).toBe("FILE_TOO_LARGE");
  });

  it('reads "-" from stdin', async () => {
    const page = await readInput("-", { readStdin: async () => Buffer.from(TEXT) });
    expect(page).toEqual({ input: "-", text: TEXT });
    const big = await thrown(readInput("-", { maxBytes: 1024, readStdin: async (limit) => Buffer.alloc(limit, "a") }));
    expect(big.code).toBe("FILE_TOO_LARGE");
  });
});
