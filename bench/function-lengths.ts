/**
 * Lists every function, arrow and method in src/**\/*.ts with its line count, longest first, and exits 1
 * when the length rules of issue 12 are broken: none over MAX_LINES, at most MAX_LONG over LONG_LINES
 * (the composition roots). `npm run lint:lengths` runs it; `--all` prints every function, not only the long ones.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/** No function may be longer than this. */
const MAX_LINES = 150;
/** Functions longer than this are "long"; only composition roots may be. */
const LONG_LINES = 80;
/** How many long functions are allowed (createBot, main, …). */
const MAX_LONG = 3;
/** Without `--all`, functions this long or longer are listed. */
const LIST_FROM = 60;

interface FunctionLength {
  readonly file: string;
  readonly name: string;
  readonly line: number;
  readonly lines: number;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(source);
  }
  if (ts.isCallExpression(parent)) return `(argument of ${parent.expression.getText(source).slice(0, 40)})`;
  return "(anonymous)";
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** Every function-like node in one file, with its length in lines (first to last line, inclusive). */
export function functionLengths(path: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunction(node) && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ file: path, name: nameOf(node, source), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function main(): void {
  const root = join(import.meta.dirname, "..");
  const all = process.argv.includes("--all");
  const lengths = tsFiles(join(root, "src"))
    .flatMap((path) => functionLengths(relative(root, path), readFileSync(path, "utf8")))
    .sort((a, b) => b.lines - a.lines);
  for (const f of lengths) {
    if (!all && f.lines < LIST_FROM) break;
    const mark = f.lines > MAX_LINES ? "  ✗ over max" : f.lines > LONG_LINES ? "  long" : "";
    console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}${mark}`);
  }
  const long = lengths.filter((f) => f.lines > LONG_LINES);
  const tooLong = lengths.filter((f) => f.lines > MAX_LINES);
  console.log(
    `\n${lengths.length} functions; ${long.length} over ${LONG_LINES} lines (at most ${MAX_LONG}), ${tooLong.length} over ${MAX_LINES} (none allowed)`,
  );
  if (long.length > MAX_LONG || tooLong.length > 0) process.exit(1);
}

main();
