import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { chooseCharset, decodeText, normalizeCharset } from "../../src/pipeline/charset.js";

const CHINESE = "光明网讯：今天上午，国务院新闻办公室举行新闻发布会，介绍疫情防控和经济社会发展情况。";

function gbk(text: string): Buffer {
  return iconv.encode(text, "gbk");
}

describe("normalizeCharset", () => {
  it("maps GB2312 and GBK labels to their superset GB18030", () => {
    expect(normalizeCharset("GB2312")).toBe("gb18030");
    expect(normalizeCharset(" gbk ")).toBe("gb18030");
    expect(normalizeCharset('"x-gbk"')).toBe("gb18030");
    expect(normalizeCharset("GB18030")).toBe("gb18030");
  });

  it("maps utf8, latin1 and unknown labels", () => {
    expect(normalizeCharset("utf8")).toBe("utf-8");
    expect(normalizeCharset("UTF-8")).toBe("utf-8");
    expect(normalizeCharset("ISO-8859-1")).toBe("windows-1252");
    expect(normalizeCharset("big5")).toBe("big5");
    expect(normalizeCharset("no-such-charset")).toBeUndefined();
    expect(normalizeCharset("")).toBeUndefined();
  });
});

describe("decodeText", () => {
  it("decodes a GBK page declared in <meta charset>", () => {
    const bytes = gbk(
      `<html><head><meta charset="gbk"><title>新闻</title></head><body><p>${CHINESE}</p></body></html>`,
    );
    expect(decodeText(bytes)).toContain(CHINESE);
    expect(chooseCharset(bytes).source).toBe("markup");
  });

  it("decodes a GB2312 page declared with http-equiv", () => {
    const bytes = gbk(
      `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>${CHINESE}</body></html>`,
    );
    expect(decodeText(bytes)).toContain(CHINESE);
  });

  it("uses the charset in the Content-Type header", () => {
    const bytes = gbk(`<p>${CHINESE}</p>`);
    expect(decodeText(bytes, "text/html; charset=GBK")).toBe(`<p>${CHINESE}</p>`);
    expect(chooseCharset(bytes, 'text/html; charset="gbk"').source).toBe("header");
  });

  it("prefers the page's declaration over a header that only says latin1", () => {
    const bytes = gbk(`<meta charset="gb2312"><p>${CHINESE}</p>`);
    expect(decodeText(bytes, "text/html; charset=ISO-8859-1")).toContain(CHINESE);
  });

  it("reads the zh bench's <text encoding=…> wrapper line", () => {
    const bytes = gbk(
      `<text id="http://example.cn/a" title="标题" encoding="gb2312">\n<html><body>${CHINESE}</body></html>`,
    );
    expect(decodeText(bytes)).toContain(CHINESE);
    expect(chooseCharset(bytes)).toMatchObject({ charset: "gb18030", source: "markup" });
  });

  it("reads the encoding of an XML declaration (feeds)", () => {
    const bytes = gbk(`<?xml version="1.0" encoding="gb2312"?><rss><channel><title>${CHINESE}</title></channel></rss>`);
    expect(decodeText(bytes)).toContain(CHINESE);
  });

  it("honours and strips a UTF-8 byte-order mark over a wrong declaration", () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`<meta charset="gbk"><p>${CHINESE}</p>`, "utf8"),
    ]);
    const text = decodeText(bytes, "text/html; charset=gbk");
    expect(text.startsWith("<meta")).toBe(true);
    expect(text).toContain(CHINESE);
  });

  it("decodes UTF-16 with a byte-order mark", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`<p>${CHINESE}</p>`, "utf16le")]);
    expect(decodeText(bytes)).toBe(`<p>${CHINESE}</p>`);
  });

  it("detects undeclared GB18030 Chinese", () => {
    const bytes = gbk(`<html><body><p>${CHINESE}</p><p>${CHINESE}</p></body></html>`);
    expect(chooseCharset(bytes)).toMatchObject({ charset: "gb18030", source: "detected" });
    expect(decodeText(bytes)).toContain(CHINESE);
  });

  it("reads undeclared valid UTF-8 as UTF-8", () => {
    const bytes = Buffer.from(`<p>${CHINESE} café</p>`, "utf8");
    expect(chooseCharset(bytes).source).toBe("detected");
    expect(decodeText(bytes)).toBe(`<p>${CHINESE} café</p>`);
  });

  it("reads a UTF-8 page mislabeled as GB2312 as UTF-8", () => {
    const bytes = Buffer.from(`<meta charset="gb2312"><p>${CHINESE}</p>`, "utf8");
    expect(chooseCharset(bytes).source).toBe("utf8-override");
    expect(decodeText(bytes)).toContain(CHINESE);
  });

  it("detects a GBK page mislabeled as UTF-8", () => {
    const bytes = gbk(`<meta charset="utf-8"><p>${CHINESE}</p><p>${CHINESE}</p>`);
    expect(chooseCharset(bytes)).toMatchObject({ charset: "gb18030", source: "detected" });
    expect(decodeText(bytes)).toContain(CHINESE);
  });

  it("keeps going over invalid bytes, replacing only them", () => {
    const good = gbk(CHINESE);
    const bytes = Buffer.concat([Buffer.from('<meta charset="gbk"><p>'), good, Buffer.from([0xff, 0xff]), good]);
    const text = decodeText(bytes);
    expect(text).toContain(`${CHINESE}`);
    expect(text.split(CHINESE)).toHaveLength(3);
    expect(text).toContain("\ufffd");
  });

  it("keeps a UTF-8 page with a few invalid bytes as UTF-8", () => {
    const good = Buffer.from(CHINESE.repeat(3), "utf8");
    const bytes = Buffer.concat([Buffer.from("<p>"), good, Buffer.from([0xc3]), Buffer.from("</p>")]);
    expect(decodeText(bytes, "text/html; charset=utf-8")).toContain(CHINESE.repeat(3));
  });

  it("decodes plain ASCII without declarations", () => {
    expect(decodeText(Buffer.from("<p>Hello, world</p>"))).toBe("<p>Hello, world</p>");
    expect(decodeText(new Uint8Array())).toBe("");
  });
});
