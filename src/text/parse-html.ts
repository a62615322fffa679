/**
 * HTML → tree with the nesting capped, so that parsing and every later walk (cheerio's selectors, our
 * recursive scoring) cost time linear in the page. Three things grew with the depth for every node:
 * htmlparser2's open-element stack and domutils' `find` (under every cheerio selector) both `unshift`
 * and `shift` arrays, and our tree walks recurse. A tower of 60,000 `<div>`s took 73 s of metadata
 * queries (v0.1) and then ran out of stack.
 *
 * Past the cap an element does not go deeper: the deepest open element is closed first, so the new one
 * becomes its next sibling. The text keeps its order and its blocks, just flatter. Browsers do the same
 * (Chromium's HTML parser stops nesting at 512 levels: kMaximumHTMLParserDOMTreeDepth).
 */
import { type Document, DomHandler } from "domhandler";
import { Parser } from "htmlparser2";

export const PARSE_TUNABLES = {
  /** Deepest element level kept as nesting (Chromium's value); real articles sit well above 100. */
  maxDepth: 512,
} as const;

/**
 * The parts of htmlparser2 10's Parser this file reaches into (they are private in its types): the
 * stack of open tag names (innermost first), the handler, and the step that opens a tag. The tests of a
 * 50,000-deep page guard this: without the cap they run out of stack.
 */
interface ParserInternals {
  stack: string[];
  cbs: { onclosetag?(name: string, isImplied: boolean): void };
  emitOpenTag(name: string): void;
  isVoidElement(name: string): boolean;
}

/** Parses HTML as cheerio/slim does (htmlparser2 with its defaults), with the nesting capped at `maxDepth`. */
export function parseHtml(html: string, maxDepth: number = PARSE_TUNABLES.maxDepth): Document {
  const handler = new DomHandler();
  const parser = new Parser(handler);
  const internals = parser as unknown as ParserInternals;
  const openTag = internals.emitOpenTag.bind(parser);
  internals.emitOpenTag = (name: string) => {
    // Void elements (br, img) have no content: they may sit one level past the cap without closing their parent.
    if (internals.stack.length >= maxDepth && !internals.isVoidElement(name)) {
      const deepest = internals.stack.shift();
      if (deepest !== undefined) internals.cbs.onclosetag?.(deepest, true);
    }
    openTag(name);
  };
  parser.end(html);
  return handler.root;
}
