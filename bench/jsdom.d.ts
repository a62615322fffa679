/** The slice of jsdom's API the extraction bench uses (jsdom ships no types; @types/jsdom is not installed). */
declare module "jsdom" {
  export class VirtualConsole {}
  export class JSDOM {
    constructor(html: string, options?: { url?: string; virtualConsole?: VirtualConsole });
    readonly window: Window & typeof globalThis;
  }
}
