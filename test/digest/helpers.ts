/** Shared builders for the digest tests: feeds, article pages, a manual clock, a summarizing fake model. */
import type { FakeOpenAiRequest, FakeReply } from "../fakes/openai.js";

/** A clock the test moves by hand. */
export function manualClock(start: string) {
  let now = Date.parse(start);
  return {
    now: () => now,
    set(iso: string) {
      now = Date.parse(iso);
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

export interface TestItem {
  id: string;
  title: string;
  link: string;
  published?: string;
  description?: string;
}

const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An RSS 2.0 document. */
export function rss(title: string, items: readonly TestItem[], siteUrl = "https://example.org/"): string {
  const entries = items
    .map(
      (item) =>
        `<item><title>${esc(item.title)}</title><link>${esc(item.link)}</link>` +
        `<guid isPermaLink="false">${esc(item.id)}</guid>` +
        (item.published ? `<pubDate>${new Date(item.published).toUTCString()}</pubDate>` : "") +
        `<description>${esc(item.description ?? `About ${item.title}.`)}</description></item>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${esc(title)}</title><link>${esc(siteUrl)}</link><description>Test feed</description>\n${entries}\n</channel></rss>`;
}

/** An article page long enough for the cleaner to accept, in English or Chinese. */
export function articlePage(title: string, lang: "en" | "zh" = "en"): string {
  const paragraphs =
    lang === "zh"
      ? [
          `${title}：市政府周二宣布了一项新的城市交通计划，预计将在未来三年内完成主要工程建设。`,
          "根据计划，新线路全长约二十公里，设有十二座车站，沿线将连接多个居民区和商业中心。",
          "交通部门负责人表示，项目总投资约为一百五十亿元，资金将由市财政和社会资本共同承担。",
          "专家认为，新线路建成后将明显缓解早晚高峰期间的道路拥堵，并减少机动车尾气排放。",
          "部分居民对施工期间的噪音和交通管制表示担忧，政府承诺将采取措施尽量减少影响。",
        ]
      : [
          `${title}: the city council on Tuesday approved a new transport plan that will be built over the next three years.`,
          "Under the plan, a twenty-kilometre line with twelve stations will link several residential districts with the centre.",
          "The transport department said the project will cost about 1.5 billion, shared between the city and private investors.",
          "Experts expect the line to ease congestion at rush hour noticeably and to cut exhaust emissions along the busiest roads.",
          "Some residents worry about noise and road closures during construction; the council promised measures to limit both.",
        ];
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<main><article><h1>${esc(title)}</h1>${paragraphs.map((text) => `<p>${esc(text)}</p>`).join("\n")}</article></main>
<footer>© Example News</footer></body></html>`;
}

/** The fake model's answer: three bullets in the language the system prompt asks for, naming the article's title. */
export function summaryReply(request: FakeOpenAiRequest): FakeReply {
  const zh = request.system.includes("简体中文");
  const title = /<title>([\s\S]*?)<\/title>/.exec(request.user)?.[1]?.trim() ?? request.user.slice(0, 40);
  // Enough Chinese text that a Latin title quoted in one bullet keeps the answer clearly Chinese.
  const bullets = zh
    ? [
        `这篇文章讲的是「${title}」。`,
        "新线路全长约二十公里，共设十二座车站，连接多个居民区和商业中心。",
        "项目总投资约一百五十亿元，预计三年内完成主要工程建设，缓解高峰拥堵。",
      ]
    : [
        `This article is about “${title}”.`,
        "The line is twenty kilometres long with twelve stations.",
        "It takes three years to build.",
      ];
  return {
    content: JSON.stringify({
      headline: zh ? "城市交通计划获批" : `Summary: ${title}`,
      bullets: bullets.map((text, index) => ({ text, sources: [index] })),
      questions: zh ? ["花费多少？", "何时完工？"] : ["How much does it cost?", "When is it done?"],
    }),
  };
}
