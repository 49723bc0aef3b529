// jsdom ships no types and @types/jsdom is not installed: the little the figures test uses.
declare module 'jsdom' {
  export class JSDOM {
    constructor(markup: string, options?: { contentType?: string });
    readonly window: { document: Document };
  }
}
